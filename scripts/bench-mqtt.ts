/*
 * `npx tsx scripts/bench-mqtt.ts [--only memory|cpu] [--seconds 20] [--bundle built.js]`: what the device's MQTT client
 * (firmware/lazy/mqtt.ts, docs/FLEET.md) costs on Espruino's Linux interpreter built with the
 * ESP8266's 1600 variables, against a real Mosquitto (test/helpers/mosquitto.ts starts one on a
 * free port). Writes bench-results/mqtt.json and docs/benchmarks/mqtt.md; figures, no verdicts.
 *
 * Environment:
 *   ESPRUINO_BIN      the 32-bit 1600-variable interpreter (12-byte variables, as on the chip): memory
 *   ESPRUINO_CPU_BIN  the 64-bit 1600-variable interpreter run under callgrind: instructions
 *   ESPRUINO_WRITER   an interpreter with more variables, to write Storage (scripts/measure-memory.ts)
 * Run it in a private network namespace (the linux board's ports are fixed):
 *   unshare -n sh -c 'ip link set lo up && ESPRUINO_BIN=... ESPRUINO_CPU_BIN=... ESPRUINO_WRITER=... npx tsx scripts/bench-mqtt.ts'
 *
 * Memory: the linux bundle is booted from Storage as a deploy boots it (scripts/measure-memory.ts),
 * once without the Storage file `mqtt` and once with it, and `process.memory().free` (after a
 * collection) is asked at the console at each step: idle with MQTT off; connected, while Home
 * Assistant discovery goes out (the lowest of `process.memory(false).free` polled every 200 ms) and
 * after it; after --seconds of samples (their own free column gives the lowest between); after 20
 * led/set commands; after a broker restart; after a packet over the device's limit and after a
 * flood of PUBLISHes (each cuts the connection: the device must come back). A client of the broker
 * (mqtt.js) sees every message: samples, their seq gaps, the wills.
 *
 * CPU: three boots under `valgrind --tool=callgrind` (scripts/bench-cpu.ts's counter): MQTT off;
 * MQTT connected but quiet (period 3600 s, no discovery); MQTT on (period 1 s, discovery). Idle
 * windows give the instructions of one turn of the main loop and of one timer callback in each
 * state; a phase's turns and timer callbacks x the quiet state's costs are subtracted from its
 * total, the rest divided by what it did (samples published, discovery messages, led/set commands).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { startBroker } from "../test/helpers/mosquitto.ts";
import { BASE, HA_CONFIGS, Watch } from "./mqtt-watch.ts";
import { Counter, type Dump } from "./bench-cpu.ts";
import { bootFromStorage, buildEntry, storageFiles, type Booted } from "./measure-memory.ts";

const ENTRY = "firmware/main/linux.ts";
const JSON_OUT = "bench-results/mqtt.json";
const MD_OUT = "docs/benchmarks/mqtt.md";
/** Every wait is generous: the 32-bit build may run under qemu-user, the 64-bit one under callgrind. */
const T_WAIT = 90000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const printable = (s: string) => s.replace(/[^\x20-\x7e\n]/g, "");

async function until(what: string, ok: () => boolean, timeoutMs = T_WAIT): Promise<number> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
  return Date.now() - t0;
}

/** The bundle and the configuration file `mqtt` for `broker`, in a scratch folder. */
function configFile(dir: string, name: string, cfg: object): { name: string; file: string } {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(cfg));
  return { name: "mqtt", file };
}

function consoleProblems(b: Booted): string[] {
  return printable(b.out())
    .split("\n")
    .filter((l) => /OUT OF MEMORY|LOW_MEMORY|ASSERT|Uncaught|New interpreter error/.test(l))
    .map((l) => l.trim().slice(0, 160));
}

// ---- memory -------------------------------------------------------------------------------------

interface MemoryRow {
  step: string;
  free: number;
  note: string;
}

interface MemoryReport {
  interpreter: string;
  rows: MemoryRow[];
  samples: number;
  gaps: number;
  problems: string[];
}

async function memory(bin: string, bundle: string, dir: string, seconds: number): Promise<MemoryReport> {
  const rows: MemoryRow[] = [];
  const row = (step: string, free: number, note = "") => {
    rows.push({ step, free, note });
    log(`  ${step.padEnd(58)} free ${free}${note ? "  " + note : ""}`);
  };
  const web = storageFiles();
  let interpreter: string;
  {
    const b = await bootFromStorage(bin, bundle, web);
    try {
      await until("the boot", () => / up: /.test(b.out()));
      await sleep(2000);
      interpreter = `Espruino ${await b.ask("process.env.VERSION")}, ${await b.ask("process.memory().total")} variables of ${await b.ask("process.memory().blocksize")} bytes`;
      row("MQTT off (no Storage file mqtt): idle after boot", await b.free());
    } finally {
      b.stop();
    }
  }
  const broker = await startBroker();
  const w = await Watch.open(broker.url);
  const cfg = configFile(dir, "mqtt-mem.json", { host: "127.0.0.1", port: broker.port, period: 1 });
  const t0 = Date.now();
  const b = await bootFromStorage(bin, bundle, [...web, cfg]);
  try {
    await until("online", () => w.onlines >= 1);
    row("MQTT on: just connected (discovery under way)", await b.free(), `online ${Date.now() - t0} ms after the interpreter started`);
    let low = Infinity;
    while (w.configs < HA_CONFIGS) {
      low = Math.min(low, Number(await b.ask("process.memory(false).free")));
      await sleep(200);
    }
    row("MQTT on: lowest while discovery goes out", low, "process.memory(false), polled every 200 ms");
    await sleep(1500);
    const idle = await b.free();
    row("MQTT on: idle, connected, discovery done", idle);
    const from = w.samples.length;
    await sleep(seconds * 1000);
    const got = w.samples.slice(from);
    row(`MQTT on: after ${seconds} s of samples`, await b.free(), `${got.length} samples, lowest in their free column ${Math.min(...got.map((s) => s.free))}, ${w.gaps(from)} missing`);
    for (let i = 0; i < 20; i++) {
      const n = w.leds.length;
      await w.client.publishAsync(BASE + "led/set", "TOGGLE", { qos: 1 });
      await until("the led answer", () => w.leds.length > n, 20000);
    }
    row("MQTT on: after 20 led/set TOGGLE, each answered", await b.free());
    const seqBefore = w.samples.at(-1)?.seq ?? 0;
    const onlines = w.onlines;
    await broker.stop();
    await sleep(3000);
    await broker.start();
    const tBack = await until("online after the broker restart", () => w.onlines > onlines);
    const firstBack = w.samples.length;
    await until("discovery again", () => w.configs >= 2 * HA_CONFIGS);
    await sleep(1500);
    const seqAfter = w.samples[firstBack]?.seq ?? w.samples.at(-1)?.seq ?? 0;
    row("MQTT on: broker stopped 3 s, started; back, discovery done", await b.free(), `online again ${tBack} ms after the start; seq ${seqBefore} -> ${seqAfter}`);
    for (const [what, send] of [
      ["a PUBLISH of 300 bytes on led/set (over IN_MAX)", () => w.client.publishAsync(BASE + "led/set", "X".repeat(300), { qos: 0 })],
      ["100 PUBLISHes in a burst on led/set (over FLOOD_MAX a second)", async () => {
        for (let i = 0; i < 100; i++) w.client.publish(BASE + "led/set", "NOPE", { qos: 0 });
      }],
    ] as const) {
      const o = w.onlines;
      await send();
      const c = w.configs;
      const t = await until(`online after ${what}`, () => w.onlines > o);
      await until("discovery again", () => w.configs >= c + HA_CONFIGS);
      await sleep(1500);
      row(`MQTT on: cut after ${what}; back`, await b.free(), `online again after ${t} ms`);
    }
    await sleep(8000);
    row("MQTT on: idle at the end", await b.free());
    return { interpreter, rows, samples: w.samples.length, gaps: w.gaps(), problems: consoleProblems(b) };
  } catch (e) {
    log(`the interpreter's console, last 1500 characters:\n${printable(b.out()).slice(-1500)}`);
    throw e;
  } finally {
    b.stop();
    w.close();
    await broker.dispose();
  }
}

// ---- CPU ----------------------------------------------------------------------------------------

interface Window {
  state: string;
  total: number;
  iterations: number;
  timerCalls: number;
  timers: number;
  wallMs: number;
  perTurn: number;
  perTimer: number;
}

interface CpuRow {
  what: string;
  per: string;
  count: number;
  instructions: number;
  inCallbacks: number;
  how: string;
}

interface CpuReport {
  interpreter: string;
  windows: Window[];
  rows: CpuRow[];
  problems: string[];
}

function windowOf(state: string, d: Dump): Window {
  return {
    state,
    total: d.total,
    iterations: d.iterations,
    timerCalls: d.timerCalls,
    timers: d.timers,
    wallMs: Math.round(d.wallMs),
    perTurn: Math.round((d.total - d.timers) / d.iterations),
    perTimer: d.timerCalls > 0 ? Math.round(d.timers / d.timerCalls) : 0,
  };
}

async function cpu(bin: string, bundle: string, dir: string, seconds: number): Promise<CpuReport> {
  const web = storageFiles();
  const windows: Window[] = [];
  const rows: CpuRow[] = [];
  const problems: string[] = [];
  const boot = async (extra: Array<{ name: string; file: string }>) => {
    const b = await bootFromStorage(bin, bundle, [...web, ...extra], { prefix: ["valgrind", "--tool=callgrind", "--callgrind-out-file=cg.out.%p"] });
    return { b, c: new Counter(b.child.pid!, b.dir) };
  };
  /** Stops a boot and waits until its process has gone (the next one needs its ports). */
  const stop = async (b: Booted, failed: boolean) => {
    if (failed) log(`the interpreter's console, last 1500 characters:\n${printable(b.out()).slice(-1500)}`);
    const exited = new Promise((res) => b.child.once("exit", res));
    b.child.kill();
    await Promise.race([exited, sleep(T_WAIT)]);
    b.stop();
  };
  const idle = async (c: Counter, state: string): Promise<Window> => {
    c.zero();
    await sleep(seconds * 1000);
    const x = windowOf(state, await c.dump());
    windows.push(x);
    log(`  idle, ${state}: ${x.perTurn} per turn (${x.iterations} turns), ${x.timerCalls} timer callbacks, ${x.perTimer} each`);
    return x;
  };
  /** What a phase did beyond its turns and timer callbacks at the quiet state's costs, per unit. */
  const charge = (what: string, per: string, count: number, d: Dump, q: Window, less = 0) => {
    const rest = d.total - d.iterations * q.perTurn - d.timerCalls * q.perTimer - less;
    const r: CpuRow = {
      what,
      per,
      count,
      instructions: Math.round(rest / count),
      inCallbacks: Math.round((d.callbacks - d.timerCalls * q.perTimer - less) / count),
      how: `${d.total} - ${d.iterations} turns x ${q.perTurn} - ${d.timerCalls} timer callbacks x ${q.perTimer}${less ? ` - ${less} (samples in it)` : ""}`,
    };
    rows.push(r);
    log(`  ${what}: ${r.instructions} per ${per} (${count}); ${r.how}`);
    return r;
  };
  let interpreter: string;
  {
    log("cpu: MQTT off");
    const { b, c } = await boot([]);
    let ok = false;
    try {
      await until("the boot", () => / up: /.test(b.out()));
      await sleep(3000);
      interpreter = `Espruino ${await b.ask("process.env.VERSION")}, ${await b.ask("process.memory().total")} variables`;
      await idle(c, "MQTT off");
      problems.push(...consoleProblems(b));
      ok = true;
    } finally {
      await stop(b, !ok);
    }
  }
  const broker = await startBroker();
  const w = await Watch.open(broker.url);
  try {
    let quiet: Window;
    {
      log("cpu: MQTT connected, quiet (period 3600 s, no discovery)");
      const { b, c } = await boot([configFile(dir, "mqtt-quiet.json", { host: "127.0.0.1", port: broker.port, period: 3600, ha: "" })]);
      let ok = false;
      try {
        await until("online", () => w.onlines >= 1);
        await sleep(3000);
        quiet = await idle(c, "MQTT connected, quiet");
        const n = 10;
        c.zero();
        for (let i = 0; i < n; i++) {
          const k = w.leds.length;
          await w.client.publishAsync(BASE + "led/set", "TOGGLE", { qos: 1 });
          await until("the led answer", () => w.leds.length > k);
        }
        await sleep(1000);
        charge("led/set TOGGLE: PUBLISH in, PUBACK, the LED, led out (QoS 1)", "command", n, await c.dump(), quiet);
        problems.push(...consoleProblems(b));
        ok = true;
      } finally {
        await stop(b, !ok);
      }
    }
    await sleep(2000);
    {
      log("cpu: MQTT on (period 1 s, discovery)");
      // Counted before the boot: the device may be online before bootFromStorage returns.
      const onlines = w.onlines;
      const configs = w.configs;
      const { b, c } = await boot([configFile(dir, "mqtt-on.json", { host: "127.0.0.1", port: broker.port, period: 1 })]);
      let ok = false;
      try {
        await until("online", () => w.onlines > onlines);
        await until("discovery", () => w.configs >= configs + HA_CONFIGS);
        await sleep(2000);
        c.zero();
        const s1 = w.samples.length;
        await sleep(seconds * 1000);
        const d = await c.dump();
        // A variant under study may publish no sample: then the figure is per second of the window.
        const n = Math.max(1, w.samples.length - s1);
        const sample = charge("a sample published: CSV on sample, 16-byte frame on frame (QoS 0)", "sample", n, d, quiet);
        // A reconnection: the broker restarted, the backoff, CONNECT, online, the subscription,
        // led and state, then discovery (lazy:mqtt-ha loaded, 5 retained configs, dropped).
        const back = w.onlines;
        const configsBefore = w.configs;
        c.zero();
        const s2 = w.samples.length;
        await broker.stop();
        await sleep(1000);
        await broker.start();
        await until("online after the restart", () => w.onlines > back);
        await until("discovery after the restart", () => w.configs >= configsBefore + HA_CONFIGS);
        await sleep(1000);
        const r = await c.dump();
        const inIt = w.samples.length - s2;
        // While the broker is away the turns are cheaper than the quiet state's (no MQTT socket to
        // poll) and their share cannot be told apart: only the instructions in callbacks are given.
        const rc = charge("a reconnection after a broker restart (1 s away), with its 5 discovery messages", "reconnection", 1, r, quiet, inIt * sample.instructions);
        rc.instructions = NaN;
        rc.how += "; only in callbacks is meaningful: the turns while the broker was away poll no MQTT socket";
        problems.push(...consoleProblems(b));
        ok = true;
      } finally {
        await stop(b, !ok);
      }
    }
  } finally {
    w.close();
    await broker.dispose();
  }
  return { interpreter, windows, rows, problems };
}

// ---- report -------------------------------------------------------------------------------------

interface Results {
  machine: string;
  date: string;
  commit: string;
  bundle: string;
  memory?: MemoryReport & { date: string };
  cpu?: CpuReport & { date: string };
}

const fmt = (x: number) => Math.round(x).toLocaleString("en-GB");

function markdown(r: Results): string {
  const md = [
    "# MQTT benchmark: what the client costs on 1600 variables",
    "",
    "Generated by `npx tsx scripts/bench-mqtt.ts` (in a private network namespace:",
    "`unshare -n sh -c 'ip link set lo up && ESPRUINO_BIN=... ESPRUINO_CPU_BIN=... ESPRUINO_WRITER=... npx tsx scripts/bench-mqtt.ts'`);",
    "do not edit by hand. The client is firmware/lazy/mqtt.ts; docs/FLEET.md says what it does.",
    "",
    `Machine: ${r.machine}. Bundle: ${r.bundle}, commit ${r.commit}.`,
    "The broker is Mosquitto on 127.0.0.1 (Debian's package), started by the script on a free port.",
    "",
  ];
  if (r.memory) {
    const m = r.memory;
    md.push(
      "## Memory",
      "",
      `${m.interpreter} (ESPRUINO_BIN, 32-bit: 12-byte variables as on the chip); ${m.date}. The linux`,
      "bundle is written to Storage with its web files and booted from there as a deploy boots it; free",
      "is `process.memory().free` at the console (after a collection) unless the row says otherwise.",
      "",
      "| step | free | note |",
      "|---|---|---|",
      ...m.rows.map((x) => `| ${x.step} | ${x.free} | ${x.note} |`),
      "",
      `Samples seen on the broker: ${m.samples}, ${m.gaps} missing by seq (the broker was stopped for 3 s and the`,
      "connection cut twice: the samples due while it was down are not sent, and their seq gap shows).",
      m.problems.length ? `Console problems: ${m.problems.join(" / ")}` : "The console showed no OUT OF MEMORY, LOW_MEMORY, ASSERT or uncaught error.",
      "",
    );
  }
  if (r.cpu) {
    const c = r.cpu;
    md.push(
      "## CPU",
      "",
      `${c.interpreter} (ESPRUINO_CPU_BIN, 64-bit) under valgrind's callgrind; ${c.date}. Three boots: MQTT off,`,
      "MQTT connected and quiet (period 3600 s, discovery off), MQTT on (period 1 s). A phase's turns of",
      "the main loop and its timer callbacks are charged at the quiet state's costs, the rest is divided",
      "by what the phase did. `in callbacks` counts only instructions inside JavaScript callbacks (the C",
      "that sends and polls the socket is left out): a cross-check.",
      "",
      "| what | per | instructions | in callbacks | count |",
      "|---|---|---|---|---|",
      ...c.rows.map((x) => `| ${x.what} | ${x.per} | ${typeof x.instructions !== "number" || Number.isNaN(x.instructions) ? "-" : fmt(x.instructions)} | ${fmt(x.inCallbacks)} | ${x.count} |`),
      "",
      "Idle windows: instructions per turn of the main loop (timer callbacks left out) and per timer",
      "callback (the firmware's once-a-second tick; with MQTT, also the client's own second timer):",
      "",
      "| state | per turn | turns | timer callbacks | per callback |",
      "|---|---|---|---|---|",
      ...c.windows.map((x) => `| ${x.state} | ${fmt(x.perTurn)} | ${x.iterations} in ${fmt(x.wallMs)} ms | ${x.timerCalls} | ${fmt(x.perTimer)} |`),
      "",
      c.problems.length ? `Console problems: ${c.problems.join(" / ")}` : "The console showed no OUT OF MEMORY, ASSERT or uncaught error.",
      "",
    );
  }
  return md.join("\n");
}

function commit(): string {
  const git = (args: string[]) => spawnSync("git", ["--no-optional-locks", ...args], { encoding: "utf8" });
  const head = git(["rev-parse", "--short", "HEAD"]).stdout.trim() || "?";
  const dirty = git(["diff", "--quiet", "HEAD", "--", "firmware", "lib", "board-configs"]).status !== 0;
  return head + (dirty ? " with uncommitted changes in firmware/, lib/ or board-configs/" : "");
}

const USAGE = `usage: npx tsx scripts/bench-mqtt.ts [--only memory|cpu] [--seconds 20] [--bundle built.js]
  --bundle  measure this built linux bundle (a variant under study): printed, results files left alone
  ESPRUINO_BIN (memory), ESPRUINO_CPU_BIN (cpu), ESPRUINO_WRITER; run it in a private network namespace.`;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help")) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = opt("--only");
  const seconds = Number(opt("--seconds") ?? 20);
  if ((only !== undefined && only !== "memory" && only !== "cpu") || !(seconds >= 5)) {
    process.stderr.write(USAGE + "\n");
    return 2;
  }
  const memBin = process.env.ESPRUINO_BIN;
  const cpuBin = process.env.ESPRUINO_CPU_BIN;
  const doMem = only !== "cpu";
  const doCpu = only !== "memory";
  if ((doMem && !memBin) || (doCpu && !cpuBin)) {
    process.stderr.write(`bench-mqtt: set ${doMem && !memBin ? "ESPRUINO_BIN" : "ESPRUINO_CPU_BIN"} (README, "The real interpreter")\n${USAGE}\n`);
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), "bench-mqtt-"));
  try {
    const study = opt("--bundle");
    const bundle = study ?? join(dir, "bundle.js");
    const bytes = study ? readFileSync(study).length : await buildEntry(ENTRY, bundle);
    const all: Results = existsSync(JSON_OUT) ? (JSON.parse(readFileSync(JSON_OUT, "utf8")) as Results) : ({} as Results);
    Object.assign(all, {
      machine: `${cpus()[0]?.model ?? "?"} x${cpus().length}, Node ${process.version}`,
      date: new Date().toISOString(),
      commit: commit(),
      bundle: `${ENTRY} (${bytes} B)`,
    });
    if (doMem) {
      log("memory, on " + memBin);
      all.memory = { ...(await memory(memBin!, bundle, dir, seconds)), date: new Date().toISOString() };
    }
    if (doCpu) {
      log("cpu, on " + cpuBin);
      all.cpu = { ...(await cpu(cpuBin!, bundle, dir, seconds)), date: new Date().toISOString() };
    }
    process.stdout.write(markdown(all));
    if (study) return 0; // a variant under study: printed, the results left as they are
    mkdirSync(dirname(JSON_OUT), { recursive: true });
    writeFileSync(JSON_OUT, JSON.stringify(all, null, 2) + "\n");
    writeFileSync(MD_OUT, markdown(all));
    log(`wrote ${JSON_OUT} and ${MD_OUT}`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`bench-mqtt: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);

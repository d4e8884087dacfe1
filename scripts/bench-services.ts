/*
 * `npx tsx scripts/bench-services.ts`: measures the network services (issue 4) and writes
 * bench-results/services.json and docs/benchmarks/services.md. Not a test: figures, no verdicts.
 *
 * Targets:
 *   sim    dist/sim.js in the simulator (ephemeral ports); memory is the simulator's model.
 *   linux  when ESPRUINO_BIN names Espruino's Linux interpreter (built with 1600 variables):
 *          dist/linux.js written to Storage as `.bootcde` (by ESPRUINO_WRITER, default the
 *          `espruino` next to ESPRUINO_BIN, since a 1600-variable interpreter cannot hold the
 *          bundle as a string), booted with `-e ""` as a deploy would boot it, and measured
 *          through its console on stdin: `process.memory().free` after a garbage collection.
 * Measures: free variables with every service up and idle; the cost of each idle line
 * connection (3 held open); free variables after 1,000 mixed sessions (line: greeting, READ,
 * STATUS, QUIT; echo TCP: 64 bytes; echo UDP: one datagram), settled; echo throughput on
 * loopback (256 KB with at most 1 KB in flight, as the SPEC's well-behaved client).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { rollup } from "rollup";
import { loadBoard } from "../board-configs/index.ts";
import { createRollupOptions } from "../rollup.config.js";
import { LineConn } from "../test/helpers/line-conn.ts";
import { boardModuleSource } from "./board-module.ts";
import { firmwareVersion } from "./build.ts";

/** Builds the linux board with the services-only entry (no web server) into `file`. */
async function buildServicesOnly(file: string): Promise<void> {
  const o = createRollupOptions({ board: "linux", boardModule: boardModuleSource(loadBoard("linux"), firmwareVersion()) });
  const b = await rollup({ ...o.input, input: "firmware/main/linux-services-only.ts" });
  const { output } = await b.generate(o.output);
  await b.close();
  writeFileSync(file, output[0].code);
}

interface Ports {
  line: number;
  echo: number;
}

interface Result {
  target: string;
  ok: boolean;
  note?: string;
  freeIdle?: number;
  perIdleConnection?: number;
  freeAfterSessions?: number;
  sessions?: number;
  sessionErrors?: number;
  echoKBps?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lineSession(port: number): Promise<void> {
  const c = await LineConn.open(port);
  try {
    const first = await c.waitFor(/^(#|ERR)/);
    if (first.startsWith("ERR")) throw new Error(first);
    await c.ask("READ");
    await c.ask("STATUS");
    await c.ask("QUIT");
    await c.waitClosed();
  } finally {
    c.close();
  }
}

function echoSession(port: number, bytes: Buffer): Promise<void> {
  return new Promise((res, rej) => {
    let n = 0;
    const s = connect(port, "127.0.0.1", () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      rej(new Error("echo timeout"));
    }, 5000);
    s.on("data", (d: Buffer) => {
      n += d.length;
      if (n >= bytes.length) {
        clearTimeout(timer);
        s.end();
        res();
      }
    });
    s.on("close", () => {
      clearTimeout(timer);
      if (n < bytes.length) rej(new Error("echo closed early"));
    });
    s.on("error", () => {});
  });
}

function udpSession(port: number): Promise<void> {
  return new Promise((res, rej) => {
    const u = createSocket("udp4");
    const timer = setTimeout(() => {
      u.close();
      rej(new Error("udp timeout"));
    }, 2000);
    u.on("message", () => {
      clearTimeout(timer);
      u.close();
      res();
    });
    u.send(Buffer.from("ping"), port, "127.0.0.1");
  });
}

async function echoThroughput(port: number): Promise<number> {
  const total = 256 * 1024;
  const chunk = Buffer.alloc(512, 0x55);
  return new Promise((res, rej) => {
    let sent = 0;
    let got = 0;
    const t0 = process.hrtime.bigint();
    const s = connect(port, "127.0.0.1", () => {
      sent += chunk.length;
      s.write(chunk);
    });
    s.on("data", (d: Buffer) => {
      got += d.length;
      if (got >= total) {
        const sec = Number(process.hrtime.bigint() - t0) / 1e9;
        s.destroy();
        res(Math.round(total / 1024 / sec));
        return;
      }
      while (sent - got + chunk.length <= 1024 && sent < total) {
        sent += chunk.length;
        s.write(chunk);
      }
    });
    s.on("error", rej);
    s.on("close", () => {
      if (got < total) rej(new Error(`echo closed after ${got} bytes`));
    });
  });
}

async function measure(target: string, ports: Ports, readFree: () => Promise<number>): Promise<Result> {
  const r: Result = { target, ok: true };
  await sleep(1500);
  r.freeIdle = await readFree();
  const held: LineConn[] = [];
  for (let i = 0; i < 3; i++) {
    const c = await LineConn.open(ports.line);
    await c.waitFor(/^(#|ERR)/);
    held.push(c);
  }
  await sleep(500);
  const withHeld = await readFree();
  r.perIdleConnection = Math.round((r.freeIdle - withHeld) / 3);
  for (const c of held) c.close();
  await sleep(1000);
  const payload = Buffer.alloc(64);
  for (let i = 0; i < 64; i++) payload[i] = (i * 7) & 255;
  let errors = 0;
  const N = 1000;
  for (let i = 0; i < N; i++) {
    try {
      const k = i % 3;
      if (k === 0) await lineSession(ports.line);
      else if (k === 1) await echoSession(ports.echo, payload);
      else await udpSession(ports.echo);
    } catch {
      errors++;
      await sleep(50);
    }
  }
  r.sessions = N;
  r.sessionErrors = errors;
  await sleep(2000);
  r.freeAfterSessions = await readFree();
  try {
    r.echoKBps = await echoThroughput(ports.echo);
  } catch (e) {
    r.note = "echo throughput: " + String(e);
  }
  return r;
}

async function simTarget(): Promise<Result> {
  const { startSimulator } = await import("../simulator/index.ts");
  const stateDir = mkdtempSync(join(tmpdir(), "bench-sim-"));
  const sim = await startSimulator({ board: "sim", ports: "ephemeral", stateDir, build: true });
  try {
    const readFree = async (): Promise<number> => {
      const c = await LineConn.open(sim.ports.line);
      try {
        await c.waitFor(/^#/);
        const s = await c.ask("STATUS");
        return Number(/free=(\d+)/.exec(s)![1]);
      } finally {
        c.close();
        await sleep(300);
      }
    };
    return await measure("sim (simulator memory model; STATUS free, with the measuring client)", sim.ports, readFree);
  } finally {
    await sim.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function linuxTarget(bin: string, bundleFile: string, label: string): Promise<Result> {
  const writer = process.env.ESPRUINO_WRITER ?? join(dirname(bin), "espruino");
  const dir = mkdtempSync(join(tmpdir(), "bench-linux-"));
  const bundle = resolve(bundleFile);
  const w = spawnSync(writer, ["-e", `require("Storage").write(".bootcde", require("fs").readFileSync(${JSON.stringify(bundle)})); quit();`], { cwd: dir, input: "", timeout: 20000 });
  if (w.status === null || !existsSync(join(dir, "espruino.flash"))) return { target: "linux", ok: false, note: `could not write .bootcde with ${writer}` };
  const child: ChildProcess = spawn(bin, ["-e", ""], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString("latin1")));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString("latin1")));
  let seq = 0;
  const readFree = async (): Promise<number> => {
    const tag = "MEM" + ++seq + "=";
    child.stdin!.write(`\x10print("${tag}"+process.memory().free)\n`);
    const deadline = Date.now() + 5000;
    for (;;) {
      const m = new RegExp(tag + "(\\d+)").exec(out);
      if (m) return Number(m[1]);
      if (Date.now() > deadline) throw new Error("no answer from the console");
      await sleep(50);
    }
  };
  try {
    await sleep(2000);
    if (/OUT OF MEMORY|ASSERT|EXITING/.test(out)) {
      const lines = out.split(/\r?\n/).filter((l) => /MEMORY|ASSERT|EXITING/.test(l)).slice(0, 4);
      return { target: `linux ${label} (${bin})`, ok: false, note: "the bundle does not boot in 1600 variables: " + lines.join(" | ") };
    }
    return await measure(`linux ${label} (${bin}, booted from Storage .bootcde; console process.memory().free)`, { line: 4444, echo: 8007 }, readFree);
  } catch (e) {
    return { target: `linux ${label} (${bin})`, ok: false, note: String(e) + " | console: " + out.slice(-300).replace(/[^\x20-\x7e]/g, "") };
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

function markdown(results: Result[], machine: string): string {
  const row = (r: Result) =>
    `| ${r.target} | ${r.ok ? "yes" + (r.note ? " (" + r.note + ")" : "") : "no: " + r.note} | ${r.freeIdle ?? "-"} | ${r.perIdleConnection ?? "-"} | ${r.freeAfterSessions ?? "-"}${r.sessions ? ` (${r.sessionErrors} errors in ${r.sessions})` : ""} | ${r.echoKBps ?? "-"} |`;
  return [
    "# Network services benchmark",
    "",
    "Generated by `npx tsx scripts/bench-services.ts`; do not edit by hand.",
    "",
    `Machine: ${machine}. Date: ${new Date().toISOString()}.`,
    "",
    "Method: free variables with every service up and idle; the cost of each idle line connection",
    "(3 held open, the difference divided by 3); free variables after 1,000 mixed sessions (line:",
    "greeting, READ, STATUS, QUIT; echo TCP: 64 bytes; echo UDP: one datagram), 2 s after the last;",
    "echo throughput over loopback with at most 1 KB in flight. Aims (issue 4): at least 1250 of",
    "1600 free, 30 variables or fewer per idle connection, back within 20 after the sessions.",
    "",
    "| target | measured | free idle | vars per idle connection | free after sessions | echo KB/s |",
    "|---|---|---|---|---|---|",
    ...results.map(row),
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const results: Result[] = [];
  try {
    results.push(await simTarget());
  } catch (e) {
    results.push({ target: "sim", ok: false, note: String(e) });
  }
  const bin = process.env.ESPRUINO_BIN;
  if (bin) {
    results.push(await linuxTarget(bin, "dist/linux.js", "full bundle"));
    const only = join(mkdtempSync(join(tmpdir(), "bench-build-")), "linux-services-only.js");
    await buildServicesOnly(only);
    results.push(await linuxTarget(bin, only, "services only, no web server"));
  }
  else results.push({ target: "linux", ok: false, note: "ESPRUINO_BIN is not set: the real interpreter was not measured" });
  const machine = `${cpus()[0]?.model ?? "?"} x${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`;
  mkdirSync("bench-results", { recursive: true });
  mkdirSync("docs/benchmarks", { recursive: true });
  writeFileSync("bench-results/services.json", JSON.stringify({ machine, date: new Date().toISOString(), results }, null, 2) + "\n");
  writeFileSync("docs/benchmarks/services.md", markdown(results, machine));
  for (const r of results) process.stdout.write(JSON.stringify(r) + "\n");
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench-services: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);

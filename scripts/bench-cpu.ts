/*
 * `npx tsx scripts/bench-cpu.ts [--only firmware|tutorial] [--n 20] [--ticks 5] [--reps 2]
 *  [--idle 3] [--entry firmware/main/linux.ts]`: counts the CPU instructions each kind of request
 * costs, with valgrind's callgrind, on Espruino's Linux interpreter built with the ESP8266's 1600
 * variables, for the firmware and, in the same run and on the same interpreter, for a
 * tutorial-style program (scripts/bench-cpu/tutorial.js). Writes bench-results/cpu.json and
 * docs/benchmarks/cpu.md. Figures, no verdicts (docs/MEMORY.md says why
 * instructions, not time).
 *
 * Environment:
 *   ESPRUINO_CPU_BIN  the interpreter run under callgrind (default ESPRUINO_BIN): a 1600-variable
 *                     build, with debug symbols for readable profiles.
 *   ESPRUINO_WRITER   the interpreter that writes Storage (default the `espruino` beside it): a
 *                     1600-variable interpreter cannot hold the bundle as one string.
 * Run it in a private network namespace when others may use the same fixed ports:
 *   unshare -n sh -c 'ip link set lo up && ESPRUINO_CPU_BIN=... ESPRUINO_WRITER=... npx tsx scripts/bench-cpu.ts'
 *
 * Method: each program is written to Storage as `.bootcde` (the firmware with its web files
 * beside it) and booted from there with `-e ""` as a deploy boots it, under
 * `valgrind --tool=callgrind`. Each phase is `callgrind_control -z` (counters to zero), the
 * requests one after the other (each waits for its whole answer), a settle pause, then
 * `callgrind_control -d` (dump); its `totals:` line is the instructions of the phase. With a
 * server listening, Espruino's main loop (jsiLoop) never sleeps: each turn polls every socket, so
 * what the interpreter spends anyway goes with turns, not time. An idle window (no request, in the
 * phase's connection state) gives the instructions of one idle turn, timer callbacks left out,
 * and of one background timer callback (the firmware's once-a-second sample). The phase's turns
 * (the calls of jsiLoop in its dump) x the turn's cost, plus its timer callbacks (at most as many
 * as its wall time lets the background timers fire) x the callback's cost, is subtracted and the
 * rest divided by the requests. An event stream ticks every second and cannot be idle: its tick
 * is the instructions in JavaScript callbacks per timer callback, less that timer's idle cost.
 * The first request of each kind after boot is measured on its own (the firmware loads a
 * service's code for its first client).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { cpus, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { buildWeb } from "./build-web.ts";
import { bootFromStorage, buildEntry, storageFiles, type Booted } from "./measure-memory.ts";

const PORTS = { http: 8080, echo: 8007, line: 4444 };
const TUTORIAL = "scripts/bench-cpu/tutorial.js";
/** Under callgrind the interpreter runs some 50 times slower: every wait is generous. */
const TIMEOUT_MS = 60000;
/** After a phase's last answer, before its dump: what a request leaves behind (a close, a module dropped) is counted in it. */
const SETTLE_MS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Program = "firmware" | "tutorial";

interface Options {
  only?: Program;
  n: number;
  ticks: number;
  reps: number;
  idleSeconds: number;
  entry: string;
  /** A bundle already built to measure instead of building `entry` (a variant under study). */
  bundle?: string;
  /** Only the phases whose kind this matches (case-insensitive). */
  kinds?: RegExp;
}

/** One measured phase: `count` units (requests, commands, KB, event ticks). */
interface Phase {
  kind: string;
  rep: number;
  count: number;
  /** Instructions between the zero and the dump, as callgrind counted them. */
  total: number;
  /** Turns of the main loop in the phase. */
  iterations: number;
  wallMs: number;
  /** Timer callbacks run in the phase (the firmware's own, and any a request set). */
  timers: number;
  timerCalls: number;
  /** Instructions in JavaScript callbacks, and per unit less the background timer callbacks (a cross-check: the C around them, HTTP parsing included, is not in it). */
  callbacks: number;
  callbacksPerUnit: number;
  /**
   * What the interpreter spends with no request: turns x the idle cost of one turn, plus the
   * phase's timer callbacks, at most as many as the background timers fire in its wall time, x
   * the cost of one background callback.
   */
  idleShare: number;
  perUnit: number;
  errors: number;
}

/** An idle window: no request, in a given connection state. */
interface Baseline {
  state: string;
  total: number;
  iterations: number;
  wallMs: number;
  timers: number;
  timerCalls: number;
  /** Instructions of one idle turn, timer callbacks left out. */
  perIteration: number;
  /** Instructions of one background timer callback (0 with none). */
  perTimerCall: number;
}

interface ProgramResult {
  program: Program;
  label: string;
  ok: boolean;
  note?: string;
  baselines: Baseline[];
  phases: Phase[];
}

// ---- callgrind ----------------------------------------------------------------------------------

export function callgrindControl(flag: "-z" | "-d", pid: number): void {
  const r = spawnSync("callgrind_control", [flag, String(pid)], { encoding: "utf8", timeout: TIMEOUT_MS });
  const text = (r.stdout ?? "") + (r.stderr ?? "");
  if (r.status !== 0 || !/OK/.test(text)) throw new Error(`callgrind_control ${flag} ${pid} failed: ${text.trim().slice(0, 300)}`);
}

/** What one dump says. */
export interface Dump {
  /** Instructions since the last zero. */
  total: number;
  /** Calls of jsiLoop, the interpreter's main loop: each turn polls every socket. */
  iterations: number;
  /** Instructions in timer callbacks (jsiIdle calling jsiExecuteEventCallback*), and how many. */
  timers: number;
  timerCalls: number;
  /** Instructions in every JavaScript callback: timers, socket data, queued events (drain, close...). */
  callbacks: number;
  wallMs: number;
}

/**
 * Reads a callgrind dump: the `totals:` line, the calls of jsiLoop, and the inclusive cost of the
 * calls jsiIdle makes to run timer callbacks (names are compressed as `(id) name` on first use;
 * the line after `calls=` holds the call's inclusive cost). Null while the dump is incomplete.
 */
export function readDump(text: string): Omit<Dump, "wallMs"> | null {
  const m = /^totals:\s*(\d+)/m.exec(text);
  if (!m) return null; // written last
  const names = new Map<string, string>();
  let fn = "";
  let cfn = "";
  let iterations = 0;
  let timers = 0;
  let timerCalls = 0;
  let callbacks = 0;
  let costOfCall = false;
  const callback = /^jsiExecuteEventCallback(ArgsArray)?$/;
  for (const line of text.split("\n")) {
    if (costOfCall) {
      costOfCall = false;
      const cost = Number(line.trim().split(/\s+/)[1] ?? 0);
      if (fn === "jsiIdle" && callback.test(cfn)) timers += cost;
      // Entries into JavaScript from C (not the callback functions calling each other).
      if (callback.test(cfn) && !fn.startsWith("jsiExecuteEventCallback")) callbacks += cost;
      continue;
    }
    const f = /^(c?)fn=\((\d+)\)(?: (.*))?$/.exec(line);
    if (f) {
      if (f[3] !== undefined) names.set(f[2], f[3]);
      if (f[1] === "c") cfn = names.get(f[2]) ?? "";
      else fn = names.get(f[2]) ?? "";
      continue;
    }
    const c = /^calls=(\d+)/.exec(line);
    if (c) {
      costOfCall = true;
      if (cfn === "jsiLoop") iterations += Number(c[1]);
      if (fn === "jsiIdle" && callback.test(cfn)) timerCalls += Number(c[1]);
    }
  }
  return { total: Number(m[1]), iterations, timers, timerCalls, callbacks };
}

/** Counters of a running callgrind: zero, then dump and read what was counted since. */
export class Counter {
  private dumps = 0;
  private zeroedAt = 0;
  constructor(
    private pid: number,
    private dir: string,
  ) {}

  zero(): void {
    callgrindControl("-z", this.pid);
    this.zeroedAt = Date.now();
  }

  async dump(): Promise<Dump> {
    const t0 = Date.now();
    callgrindControl("-d", this.pid);
    const wallMs = (t0 + Date.now()) / 2 - this.zeroedAt;
    this.dumps++;
    const re = new RegExp(`^cg\\.out\\.${this.pid}\\.(\\d+)$`);
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const files = readdirSync(this.dir)
        .map((f) => ({ f, m: re.exec(f) }))
        .filter((x) => x.m && Number(x.m[1]) >= this.dumps)
        .sort((a, b) => Number(b.m![1]) - Number(a.m![1]));
      if (files.length > 0) {
        const d = readDump(readFileSync(join(this.dir, files[0].f), "utf8"));
        if (d) {
          this.dumps = Number(files[0].m![1]);
          return { ...d, wallMs };
        }
      }
      if (Date.now() > deadline) throw new Error(`no complete callgrind dump ${this.dumps} appeared in ${this.dir}`);
      await sleep(100);
    }
  }
}

// ---- clients ------------------------------------------------------------------------------------

const BROWSER = [
  "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
  "Accept-Language: en-GB,en;q=0.5",
  "Accept-Encoding: gzip, deflate",
  "Connection: keep-alive",
];

/** A request as a browser sends it (about 7 header lines). */
function browserRequest(method: string, path: string, accept: string, body?: string): string {
  const head = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${PORTS.http}`, BROWSER[0], `Accept: ${accept}`, ...BROWSER.slice(1)];
  if (path === "/") head.push("Upgrade-Insecure-Requests: 1");
  if (body !== undefined) head.push("Content-Type: text/plain;charset=UTF-8", `Content-Length: ${Buffer.byteLength(body)}`, `Origin: http://127.0.0.1:${PORTS.http}`);
  return head.join("\r\n") + "\r\n\r\n" + (body ?? "");
}

const HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

interface HttpKind {
  kind: string;
  request: string;
  /** The tutorial serves it too (same request). */
  tutorial: boolean;
}

/** Wall time after which the firmware's sample history is full (60 samples, one a second), with room. */
const FULL_HISTORY_MS = 62000;

const HTTP_KINDS: HttpKind[] = [
  { kind: "GET /api/status", request: browserRequest("GET", "/api/status", "*/*"), tutorial: true },
  { kind: "GET / (browser headers, gzip accepted)", request: browserRequest("GET", "/", HTML_ACCEPT), tutorial: true },
  { kind: "GET /status", request: browserRequest("GET", "/status", HTML_ACCEPT), tutorial: false },
  { kind: "GET /api/samples", request: browserRequest("GET", "/api/samples", "*/*"), tutorial: false },
  { kind: "POST /api/led toggle", request: browserRequest("POST", "/api/led", "*/*", "toggle"), tutorial: false },
];

/** Sends one HTTP request on a new connection and reads until the server closes. */
function httpRequest(text: string): Promise<{ ok: boolean; head: string; bytes: number }> {
  return new Promise((res) => {
    const chunks: Buffer[] = [];
    let done = false;
    const s = connect(PORTS.http, "127.0.0.1", () => s.write(text));
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      const all = Buffer.concat(chunks);
      const head = all.toString("latin1").split("\r\n")[0];
      res({ ok: ok && /^HTTP\/1\.[01] [23]\d\d/.test(head), head, bytes: all.length });
    };
    const t = setTimeout(() => finish(false), TIMEOUT_MS);
    s.on("data", (d: Buffer) => chunks.push(d));
    s.on("close", () => finish(true));
    s.on("error", () => finish(false));
  });
}

/** A line-protocol connection: the lines received, and a way to wait for one. */
class Line {
  lines: string[] = [];
  closed = false;
  private buf = "";
  private constructor(private sock: Socket) {
    sock.setEncoding("latin1");
    sock.on("data", (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf("\n")) >= 0) {
        this.lines.push(this.buf.slice(0, i).replace(/\r$/, ""));
        this.buf = this.buf.slice(i + 1);
      }
    });
    sock.on("close", () => (this.closed = true));
    sock.on("error", () => {});
  }
  static open(port: number): Promise<Line> {
    return new Promise((res, rej) => {
      const s = connect(port, "127.0.0.1", () => res(new Line(s)));
      s.once("error", rej);
    });
  }
  async waitFor(re: RegExp, from: number): Promise<string> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      for (let i = from; i < this.lines.length; i++) if (re.test(this.lines[i])) return this.lines[i];
      if (this.closed || Date.now() > deadline) throw new Error(`no line like ${re} (got ${JSON.stringify(this.lines.slice(-3))})`);
      await sleep(5);
    }
  }
  /** Sends a command; resolves with its OK/ERR line. */
  ask(cmd: string): Promise<string> {
    const from = this.lines.length;
    this.sock.write(cmd + "\n");
    return this.waitFor(/^(OK|ERR)/, from);
  }
  /** Closes from this side and waits for the socket to be closed. */
  async close(): Promise<void> {
    this.sock.end();
    const deadline = Date.now() + TIMEOUT_MS;
    while (!this.closed && Date.now() < deadline) await sleep(10);
    this.sock.destroy();
  }
}

/** An echo connection: sends `payload` and waits until as many bytes came back. */
class Echo {
  private got = 0;
  closed = false;
  private constructor(private sock: Socket) {
    sock.on("data", (d: Buffer) => (this.got += d.length));
    sock.on("close", () => (this.closed = true));
    sock.on("error", () => {});
  }
  static open(): Promise<Echo> {
    return new Promise((res, rej) => {
      const s = connect(PORTS.echo, "127.0.0.1", () => res(new Echo(s)));
      s.once("error", rej);
    });
  }
  async roundTrip(payload: Buffer): Promise<void> {
    const want = this.got + payload.length;
    this.sock.write(payload);
    const deadline = Date.now() + TIMEOUT_MS;
    while (this.got < want) {
      if (this.closed || Date.now() > deadline) throw new Error(`echo: ${payload.length - (want - this.got)} of ${payload.length} bytes back`);
      await sleep(2);
    }
  }
  async close(): Promise<void> {
    this.sock.end();
    const deadline = Date.now() + TIMEOUT_MS;
    while (!this.closed && Date.now() < deadline) await sleep(10);
    this.sock.destroy();
  }
}

const KB = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7 + 3) & 255));

/** Opens GET /events and counts `data:` lines. */
function openEvents(): Promise<{ ticks: () => number; close: () => void }> {
  return new Promise((res, rej) => {
    let text = "";
    const s = connect(PORTS.http, "127.0.0.1", () => {
      s.write(browserRequest("GET", "/events", "text/event-stream"));
      res({ ticks: () => (text.match(/^data:/gm) ?? []).length, close: () => s.destroy() });
    });
    s.setEncoding("latin1");
    s.on("data", (d: string) => (text += d));
    s.on("error", rej);
  });
}

// ---- the run ------------------------------------------------------------------------------------

/** The listening TCP ports (from /proc/net/tcp*, so that waiting does not make a client). */
function listening(): Set<number> {
  const out = new Set<number>();
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, "utf8").split("\n").slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c[3] === "0A") out.add(parseInt(c[1].split(":").pop()!, 16));
    }
  }
  return out;
}

/**
 * Waits for the services to listen; returns which do. An entry without one of them (say, no web
 * server) is measured without its phases: once one port listens, the others get 30 s more.
 */
async function waitListening(b: Booted): Promise<{ http: boolean; line: boolean; echo: boolean }> {
  const want = [PORTS.http, PORTS.echo, PORTS.line];
  let deadline = Date.now() + 4 * TIMEOUT_MS;
  let some = false;
  for (;;) {
    const l = listening();
    const has = { http: l.has(PORTS.http), line: l.has(PORTS.line), echo: l.has(PORTS.echo) };
    if (want.every((p) => l.has(p))) return has;
    if (/Socket bind failed|Unable to create socket/.test(b.out())) throw new Error("a port of the linux board is in use: run in a private network namespace (see the usage)");
    if (b.child.exitCode !== null) throw new Error(`the interpreter exited: ${b.out().slice(-400)}`);
    if (!some && want.some((p) => l.has(p))) {
      some = true;
      deadline = Date.now() + 30000;
    }
    if (Date.now() > deadline) {
      if (some) return has;
      throw new Error(`the services did not listen: ${b.out().slice(-400)}`);
    }
    await sleep(200);
  }
}

function log(s: string): void {
  process.stderr.write(s + "\n");
}

async function runProgram(program: Program, bin: string, o: Options): Promise<ProgramResult> {
  let bundle = resolve(TUTORIAL);
  let extra: Array<{ name: string; file: string }> = [];
  let label = `${TUTORIAL} (${readFileSync(TUTORIAL).length} B)`;
  if (program === "firmware") {
    if (o.bundle !== undefined) bundle = resolve(o.bundle);
    else bundle = join(mkdtempSync(join(tmpdir(), "bench-cpu-build-")), "bundle.js");
    const bytes = o.bundle !== undefined ? readFileSync(bundle).length : await buildEntry(o.entry, bundle);
    extra = storageFiles();
    label = `${o.bundle ?? o.entry} (${bytes} B) with ${extra.length} web files in Storage`;
  }
  const r: ProgramResult = { program, label, ok: true, baselines: [], phases: [] };
  log(`${program}: booting ${label} under callgrind`);
  const b = await bootFromStorage(bin, bundle, extra, { prefix: ["valgrind", "--tool=callgrind", "--callgrind-out-file=cg.out.%p"] });
  const c = new Counter(b.child.pid!, b.dir);
  /**
   * An idle window in the state the next phases run in: the instructions of one turn of the main
   * loop, timer callbacks left out, and of one timer callback (the firmware's once-a-second sample).
   */
  const baseline = async (state: string, seconds = o.idleSeconds): Promise<Baseline> => {
    c.zero();
    await sleep(seconds * 1000);
    const d = await c.dump();
    const x: Baseline = {
      state,
      total: d.total,
      iterations: d.iterations,
      wallMs: Math.round(d.wallMs),
      timers: d.timers,
      timerCalls: d.timerCalls,
      perIteration: Math.round((d.total - d.timers) / d.iterations),
      perTimerCall: d.timerCalls > 0 ? Math.round(d.timers / d.timerCalls) : 0,
    };
    r.baselines.push(x);
    log(`  idle, ${state}: ${d.total} instructions in ${d.iterations} turns of the main loop and ${d.timerCalls} timer callbacks (${d.timers}) over ${x.wallMs} ms = ${x.perIteration} per turn, ${x.perTimerCall} per callback`);
    return x;
  };
  /** Background timer callbacks per wall-millisecond, over every idle window so far. */
  const timerCallRate = () => r.baselines.reduce((a, x) => a + x.timerCalls, 0) / r.baselines.reduce((a, x) => a + x.wallMs, 0);
  /** `idle` is the idle window of the phase's state, or (first clients) one to take after the phase. */
  const wanted = (kind: string) => o.kinds === undefined || o.kinds.test(kind);
  const measure = async (kind: string, rep: number, count: number, idle: Baseline | (() => Promise<Baseline>), body: () => Promise<number>): Promise<void> => {
    if (!wanted(kind)) return;
    c.zero();
    const errors = await body();
    await sleep(SETTLE_MS);
    const d = await c.dump();
    const x = typeof idle === "function" ? await idle() : idle;
    // Timer callbacks beyond what the background timers fire in this time are the requests' own.
    const background = Math.min(d.timerCalls, Math.ceil(d.wallMs * timerCallRate()));
    const idleShare = Math.round(d.iterations * x.perIteration + background * x.perTimerCall);
    record(kind, rep, count, d, idleShare, background * x.perTimerCall, errors, `${d.iterations} turns and ${background} of ${d.timerCalls} timer callbacks`);
  };
  const record = (kind: string, rep: number, count: number, d: Dump, idleShare: number, backgroundTimers: number, errors: number, why: string) => {
    const p: Phase = {
      kind, rep, count, total: d.total, iterations: d.iterations, wallMs: Math.round(d.wallMs), timers: d.timers, timerCalls: d.timerCalls,
      callbacks: d.callbacks, callbacksPerUnit: Math.round((d.callbacks - backgroundTimers) / count), idleShare, perUnit: Math.round((d.total - idleShare) / count), errors,
    };
    r.phases.push(p);
    log(`  ${kind.padEnd(40)} rep ${rep}: ${p.perUnit} per unit, ${p.callbacksPerUnit} in callbacks  (total ${p.total} - idle ${p.idleShare} for ${why} over ${p.wallMs} ms; ${count} units${errors ? `, ${errors} ERRORS` : ""})`);
  };
  const http = async (text: string, n: number): Promise<number> => {
    let errors = 0;
    for (let i = 0; i < n; i++) if (!(await httpRequest(text)).ok) errors++;
    return errors;
  };
  const linePhases = async (rep: number) => {
    const l = await Line.open(PORTS.line);
    await l.waitFor(/^#/, 0);
    for (let i = 0; i < 2; i++) await l.ask("READ");
    for (let i = 0; i < 2; i++) await l.ask("STATUS");
    const lineOpen = await baseline("one line client connected");
    for (const cmd of ["READ", "STATUS"]) {
      await measure(`line ${cmd}`, rep, o.n, lineOpen, async () => {
        let errors = 0;
        for (let i = 0; i < o.n; i++) if (!/^OK/.test(await l.ask(cmd))) errors++;
        return errors;
      });
    }
    await l.close();
  };
  const echoPhase = async (rep: number) => {
    const e = await Echo.open();
    for (let i = 0; i < 2; i++) await e.roundTrip(KB);
    const echoOpen = await baseline("one echo client connected");
    await measure("echo 1 KB", rep, o.n, echoOpen, async () => {
      for (let i = 0; i < o.n; i++) await e.roundTrip(KB);
      return 0;
    });
    await e.close();
  };
  /**
   * An open connection makes every turn of the main loop dearer, by an amount that depends on its
   * state (an event stream is not an idle connection), and a stream cannot be idle: it ticks once
   * a second. So a tick is counted in JavaScript: every callback in the phase (the once-a-second
   * timer, which now writes the line, and the drain after it), less what that timer costs with no
   * client (`none`); one line per timer callback.
   */
  const eventsPhase = async (rep: number, none: Baseline) => {
    const ev = await openEvents();
    const wait = async (ticks: number) => {
      const deadline = Date.now() + TIMEOUT_MS + ticks * 3000;
      while (ev.ticks() < ticks) {
        if (Date.now() > deadline) throw new Error(`/events: ${ev.ticks()} of ${ticks} ticks`);
        await sleep(5);
      }
    };
    await wait(2);
    c.zero();
    await wait(2 + o.ticks);
    const d = await c.dump();
    ev.close();
    record("/events tick (one data: line)", rep, Math.max(1, d.timerCalls), d, d.total - d.callbacks + d.timerCalls * none.perTimerCall, d.timerCalls * none.perTimerCall, 0, `all but the callbacks, and ${d.timerCalls} idle timer callbacks`);
  };
  try {
    const has = await waitListening(b);
    const bootedAt = Date.now();
    const missing = Object.entries(has).filter(([, v]) => !v).map(([k]) => k);
    if (missing.length > 0) {
      r.note = `not listening, not measured: ${missing.join(", ")}`;
      log(`  ${r.note}`);
    }
    await sleep(3000);
    await baseline("no client, after boot");
    // The first client of each kind, each on its own. The first connection of a kind leaves the
    // main loop's turn dearer for good (the interpreter's list of such connections now exists), so
    // each is set against an idle window taken just after it, in the state it ran in for all but
    // its first few turns.
    const after = (what: string) => () => baseline(`no client, after the first ${what}`);
    if (has.http) await measure("first GET /api/status", 1, 1, after("GET"), () => http(HTTP_KINDS[0].request, 1));
    if (has.line) await measure("first line client: connect, greeting, READ, close", 1, 1, after("line client"), async () => {
      const l = await Line.open(PORTS.line);
      await l.waitFor(/^#/, 0);
      const ok = /^OK/.test(await l.ask("READ"));
      await l.close();
      return ok ? 0 : 1;
    });
    if (has.echo) await measure("first echo client: connect, 1 KB, close", 1, 1, after("echo client"), async () => {
      const e = await Echo.open();
      await e.roundTrip(KB);
      await e.close();
      return 0;
    });
    for (let rep = 1; rep <= o.reps; rep++) {
      await sleep(SETTLE_MS);
      const none = await baseline("no client");
      for (const k of HTTP_KINDS) {
        if (!has.http || (program === "tutorial" && !k.tutorial) || !wanted(k.kind)) continue;
        // /api/samples costs by the samples held: measured with the history full (60, one a second).
        if (k.kind === "GET /api/samples") await sleep(FULL_HISTORY_MS - (Date.now() - bootedAt));
        await http(k.request, 2);
        await measure(k.kind, rep, o.n, none, () => http(k.request, o.n));
      }
      if (has.line) await linePhases(rep);
      if (has.echo) await echoPhase(rep);
      if (program === "firmware" && has.http && wanted("/events tick")) await eventsPhase(rep, none);
    }
    await sleep(SETTLE_MS);
    await baseline("no client, at the end");
    const problems = b.out().split(/\r?\n/).filter((line) => /OUT OF MEMORY|ASSERT|Uncaught|ERROR/.test(line));
    if (problems.length > 0) r.note = (r.note ? r.note + "; " : "") + `console: ${problems.length} line(s) like ${JSON.stringify(problems[0].replace(/[^\x20-\x7e]/g, "").slice(0, 120))}`;
  } catch (e) {
    r.ok = false;
    const text = b.out().replace(/[^\x20-\x7e\n]/g, "");
    const interp = text.split("\n").filter((line) => !line.startsWith("==")).join("\n"); // without valgrind's lines
    r.note = `${String(e).slice(0, 300)} / console: ${interp.slice(-300)}`;
    log(`  ${program}: ${String(e)}\n  console (last 3000 characters):\n${text.slice(-3000)}`);
  } finally {
    const exited = new Promise((res) => b.child.once("exit", res));
    b.child.kill();
    await Promise.race([exited, sleep(TIMEOUT_MS)]);
    b.stop();
    if (program === "firmware" && o.bundle === undefined) rmSync(dirname(bundle), { recursive: true, force: true });
  }
  return r;
}

/** process.env.VERSION as the interpreter reports it (run natively, in a scratch directory). */
function interpreterVersion(bin: string): string {
  const dir = mkdtempSync(join(tmpdir(), "bench-cpu-ver-"));
  try {
    const r = spawnSync(bin, ["-e", 'print("VERSION="+process.env.VERSION);quit();'], { cwd: dir, input: "", encoding: "latin1", timeout: 30000 });
    return /VERSION=(\S+)/.exec(r.stdout ?? "")?.[1] ?? "?";
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** HEAD, and whether firmware/ or lib/ differ from it (read without taking the index lock). */
function firmwareCommit(): string {
  const git = (args: string[]) => spawnSync("git", ["--no-optional-locks", ...args], { encoding: "utf8" });
  const head = git(["rev-parse", "--short", "HEAD"]);
  if (head.status !== 0) return "?";
  const dirty = git(["diff", "--quiet", "HEAD", "--", "firmware", "lib", "board-configs"]).status !== 0;
  return head.stdout.trim() + (dirty ? " with uncommitted changes in firmware/, lib/ or board-configs/" : "");
}

// ---- report -------------------------------------------------------------------------------------

interface Row {
  kind: string;
  firmware?: number[];
  tutorial?: number[];
}

const ROWS: Array<{ kind: string; unit: string }> = [
  { kind: "GET /api/status", unit: "request" },
  { kind: "GET / (browser headers, gzip accepted)", unit: "request" },
  { kind: "GET /status", unit: "request" },
  { kind: "GET /api/samples", unit: "request" },
  { kind: "POST /api/led toggle", unit: "request" },
  { kind: "/events tick (one data: line)", unit: "tick" },
  { kind: "line READ", unit: "command" },
  { kind: "line STATUS", unit: "command" },
  { kind: "echo 1 KB", unit: "KB" },
  { kind: "first GET /api/status", unit: "request" },
  { kind: "first line client: connect, greeting, READ, close", unit: "session" },
  { kind: "first echo client: connect, 1 KB, close", unit: "session" },
];

function rows(results: ProgramResult[]): Row[] {
  return ROWS.map(({ kind }) => {
    const row: Row = { kind };
    for (const r of results) {
      const v = r.phases.filter((p) => p.kind === kind).map((p) => p.perUnit);
      if (v.length > 0) row[r.program] = v;
    }
    return row;
  });
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const fmt = (x: number) => Math.round(x).toLocaleString("en-GB");
const cell = (v?: number[]) => (v ? fmt(mean(v)) + (v.length > 1 ? ` (${v.map(fmt).join(" / ")})` : "") : "-");
const ratio = (r: Row) => (r.firmware && r.tutorial ? (mean(r.firmware) / mean(r.tutorial)).toFixed(2) : "-");

function markdown(results: ProgramResult[], meta: Record<string, unknown>, o: Options): string {
  const unit = (kind: string) => ROWS.find((x) => x.kind === kind)!.unit;
  const table = rows(results)
    .filter((r) => r.firmware || r.tutorial)
    .map((r) => `| ${r.kind} | ${unit(r.kind)} | ${cell(r.firmware)} | ${cell(r.tutorial)} | ${ratio(r)} |`);
  const idle = results.flatMap((r) =>
    r.baselines.map((x) => `| ${r.program} | ${x.state} | ${fmt(x.perIteration)} | ${fmt((x.iterations * 1000) / x.wallMs)} | ${x.timerCalls} in ${fmt(x.wallMs)} ms, ${fmt(x.perTimerCall)} each |`),
  );
  const notes = results.filter((r) => !r.ok || r.note).map((r) => `- ${r.program}: ${r.ok ? "" : "FAILED: "}${(r.note ?? "").replace(/\s+/g, " ")}`);
  const errs = results.flatMap((r) => r.phases.filter((p) => p.errors > 0).map((p) => `- ${r.program} ${p.kind} rep ${p.rep}: ${p.errors} failed request(s)`));
  return [
    "# CPU benchmark: instructions per request",
    "",
    "Generated by `npx tsx scripts/bench-cpu.ts` (in a private network namespace:",
    "`unshare -n sh -c 'ip link set lo up && ESPRUINO_CPU_BIN=... ESPRUINO_WRITER=... npx tsx scripts/bench-cpu.ts'`);",
    "do not edit by hand. docs/MEMORY.md explains why instructions are counted.",
    "",
    `Machine: ${meta.cpu}, Node ${meta.node}. Interpreter: ${meta.interpreter} (Espruino ${meta.espruinoVersion}), run under valgrind's callgrind. Date: ${meta.date}.`,
    "",
    `Firmware: ${results.find((r) => r.program === "firmware")?.label ?? "not run"}, commit ${meta.commit}.`,
    "",
    "Method: each program is written to Storage as `.bootcde` (the firmware with its web files",
    "beside it; the tutorial, scripts/bench-cpu/tutorial.js, a plain Espruino program",
    "with `http.createServer` and `net.createServer` on the same ports) and booted from there with",
    "`-e \"\"` as a deploy boots it, on the same 1600-variable interpreter under",
    "`valgrind --tool=callgrind`, one process per program for every phase. A phase is",
    "`callgrind_control -z` (zero), the requests one after the other, each waiting for its whole",
    "answer (HTTP: a new connection each, browser-like headers, read until the server closes), 1 s",
    "to settle, then `callgrind_control -d` (dump): its `totals:` line, and the calls of `jsiLoop`.",
    "With a server listening, Espruino's main loop never sleeps: each turn polls every socket, so",
    "idle cost goes with turns of the loop, not with time (a busy turn replaces idle ones). An idle",
    `window (${o.idleSeconds} s, no request, in the phase's connection state: none, or a line or echo client`,
    "connected) gives the cost of one idle turn, timer callbacks left out,",
    "and of one background timer callback (the firmware's once-a-second sample). Turns in the phase x",
    "the turn's cost, plus its timer callbacks (at most as many as the background timers fire in its",
    "wall time) x the callback's cost, is subtracted and the rest divided by the count. An event",
    "stream cannot be idle (it ticks every second), so its tick is counted in JavaScript alone: the",
    "instructions in callbacks (the once-a-second timer that writes the line, the drain after it) per",
    "timer callback, less that timer's cost with no client. Warm phases come after 2 unmeasured",
    `requests; N = ${o.n} per phase (events: ${o.ticks} ticks), repeated ${o.reps} time(s): the figure is the mean,`,
    "each repetition in brackets. `/api/samples` waits until the history is full (60 samples, a",
    "minute after boot), since its cost grows with the samples held. The `first` rows are the first",
    "request of each kind after boot,",
    "alone (a service's first client makes the objects its code keeps for later ones);",
    "being one request each, they move by up to about 10% between runs: the turns a connection is",
    "open are charged at the idle cost of a turn without it. The instructions inside JavaScript",
    "callbacks alone, a cross-check that leaves out the C around them (HTTP parsing, socket",
    "writes), are in bench-results/cpu.json (`phases[].callbacksPerUnit`).",
    "",
    "| request | per | firmware instructions | tutorial instructions | firmware / tutorial |",
    "|---|---|---|---|---|",
    ...table,
    "",
    "The tutorial answers `GET /` with its own small page (one string, about 1.5 KB, no gzip) where",
    "the firmware sends its dashboard from Storage, gzip'd; it has no `/status`, `/api/samples`,",
    "`/api/led` or `/events`.",
    "",
    "Idle windows: instructions per turn of the main loop (timer callbacks left out), turns per",
    "wall-second under callgrind, and the timer callbacks:",
    "",
    "| program | state | per turn | turns/s | timer callbacks |",
    "|---|---|---|---|---|",
    ...idle,
    ...(notes.length + errs.length > 0 ? ["", "Notes:", "", ...notes, ...errs] : []),
    "",
  ].join("\n");
}

// ---- main ---------------------------------------------------------------------------------------

const USAGE = `usage: npx tsx scripts/bench-cpu.ts [--only firmware|tutorial] [--n 20] [--ticks 5] [--reps 2] [--idle 3] [--entry firmware/main/linux.ts]
       [--bundle built.js] [--kinds regexp]
  --bundle          measure this built bundle instead of building --entry (a variant under study)
  --kinds           only the requests whose name matches (e.g. --kinds "api/status")
  With --bundle or --kinds the table is printed and the results files are left as they are.
  ESPRUINO_CPU_BIN  Espruino's Linux interpreter built with 1600 variables, run under callgrind (default: ESPRUINO_BIN)
  ESPRUINO_WRITER   an interpreter with the default variables that writes Storage (default: the espruino beside it)
Needs valgrind (callgrind, callgrind_control). Uses the fixed ports 8080, 8007, 4444 and 2323: run it in a
private network namespace, e.g. unshare -n sh -c 'ip link set lo up && ... npx tsx scripts/bench-cpu.ts'.
`;

function parseOptions(argv: string[]): Options {
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, dflt: number) => {
    const v = opt(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!(n > 0)) throw new Error(`${name} needs a positive number`);
    return n;
  };
  const only = opt("--only");
  if (only !== undefined && only !== "firmware" && only !== "tutorial") throw new Error("--only is firmware or tutorial");
  return { only, n: Math.round(num("--n", 20)), ticks: Math.round(num("--ticks", 5)), reps: Math.round(num("--reps", 2)), idleSeconds: num("--idle", 3), entry: opt("--entry") ?? "firmware/main/linux.ts", bundle: opt("--bundle"), kinds: opt("--kinds") === undefined ? undefined : new RegExp(opt("--kinds") as string, "i") };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  let o: Options;
  try {
    o = parseOptions(argv);
  } catch (e) {
    process.stderr.write(`bench-cpu: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const bin = process.env.ESPRUINO_CPU_BIN ?? process.env.ESPRUINO_BIN;
  if (!bin) {
    process.stderr.write(`bench-cpu: no interpreter: set ESPRUINO_CPU_BIN (or ESPRUINO_BIN)\n${USAGE}`);
    return 2;
  }
  if (!existsSync(bin)) {
    process.stderr.write(`bench-cpu: the interpreter ${bin} does not exist\n`);
    return 2;
  }
  for (const tool of ["valgrind", "callgrind_control"]) {
    if (spawnSync(tool, ["--version"], { encoding: "utf8" }).error) {
      process.stderr.write(`bench-cpu: ${tool} not found: install valgrind\n`);
      return 2;
    }
  }
  const busy = [PORTS.http, PORTS.echo, PORTS.line, 2323].filter((p) => listening().has(p));
  if (busy.length > 0) {
    process.stderr.write(`bench-cpu: port(s) ${busy.join(", ")} already listening: run it in a private network namespace\n${USAGE}`);
    return 2;
  }
  const programs: Program[] = o.only ? [o.only] : ["firmware", "tutorial"];
  if (programs.includes("firmware")) buildWeb(); // dist/web: the files storageFiles() writes beside the bundle
  const espruinoVersion = interpreterVersion(bin);
  const commit = firmwareCommit();
  const results: ProgramResult[] = [];
  for (const p of programs) results.push(await runProgram(p, bin, o));
  const meta = {
    cpu: cpus()[0]?.model ?? "?",
    node: process.version,
    interpreterPath: resolve(bin),
    interpreter: basename(bin),
    espruinoVersion,
    commit,
    writer: process.env.ESPRUINO_WRITER ?? join(dirname(bin), "espruino"),
    date: new Date().toISOString(),
    options: o,
    method:
      "callgrind_control -z / -d around each phase on one interpreter process per program (booted from Storage under valgrind --tool=callgrind); per unit = (totals - jsiLoop calls in the phase x idle instructions per jsiLoop call in the same connection state, timer callbacks left out - min(timer callbacks in the phase, background timer callbacks expected in its wall time) x instructions per background timer callback in that state) / count; /events tick = (instructions in JavaScript callbacks - timer callbacks x their idle cost with no client) / timer callbacks",
  };
  const table = rows(results).filter((r) => r.firmware || r.tutorial);
  mkdirSync("bench-results", { recursive: true });
  mkdirSync("docs/benchmarks", { recursive: true });
  // A study (a variant bundle, some kinds only) is printed, not written over the results.
  if (o.bundle === undefined && o.kinds === undefined) {
    writeFileSync("bench-results/cpu.json", JSON.stringify({ ...meta, table: table.map((r) => ({ ...r, ratio: ratio(r) })), results }, null, 2) + "\n");
    writeFileSync("docs/benchmarks/cpu.md", markdown(results, meta, o));
  }
  process.stdout.write(`${"request".padEnd(52)} ${"firmware".padStart(12)} ${"tutorial".padStart(12)}  ratio\n`);
  for (const r of table) {
    const m = (v?: number[]) => (v ? fmt(mean(v)) : "-").padStart(12);
    process.stdout.write(`${r.kind.padEnd(52)} ${m(r.firmware)} ${m(r.tutorial)}  ${ratio(r)}\n`);
  }
  for (const r of results) if (!r.ok || r.note) process.stdout.write(`${r.program}: ${r.ok ? "" : "FAILED: "}${r.note}\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}

// Run as a script, not when scripts/bench-mqtt.ts imports its callgrind counter.
if (process.argv[1] && resolve(process.argv[1]).endsWith("bench-cpu.ts")) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`bench-cpu: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}

/*
 * `npx tsx scripts/bench-scenario.ts [--repeat K] [--sessions N] [--mqtt] [--json]`: the "three services at
 * once" memory scenario on Espruino's Linux interpreter (ESPRUINO_BIN, a build with the ESP8266's
 * 1600 variables, 32-bit; ESPRUINO_WRITER, an interpreter with more variables, writes Storage).
 * A benchmark, not a test: it prints PASS/FAIL against the aims but exits 0 either way (2 without
 * ESPRUINO_BIN, 1 when it cannot build or boot).
 *
 * The linux firmware is built and booted from Storage with its web files as
 * scripts/measure-memory.ts does (buildEntry, storageFiles, bootFromStorage). Then:
 *
 *   scenario (default), K times in the same boot with --repeat K:
 *     1. a terminal on the line port: greeting, `STREAM 500`, its samples read throughout;
 *     2. the dashboard's `GET /events`, held open, its events read throughout;
 *     3. an echo client sending 1000 random bytes, which must all come back identical; held open;
 *     4. 0.5 s apart: `GET /` as a browser asks it (gzip accepted), `GET /api/status`,
 *        `POST /api/led` with `toggle`;
 *     5. everything held ~3 s more, closed; a fresh line client's READ; free after settling.
 *     Throughout, the console is asked `process.memory(false).free` every ~100 ms; the lowest
 *     free is the least of that and of the free column of every stream and event sample. At the
 *     end, `E.getErrorFlags()` and the interpreter's output (OUT OF MEMORY, LOW_MEMORY, ASSERT,
 *     New interpreter error).
 *     Aims: no refusal, no 503, no OUT OF MEMORY, lowest free >= 200 (and every step served).
 *
 *   --sessions N: instead, after the idle measurement, N mixed sessions one after another (line:
 *     greeting, READ, STATUS, QUIT; echo TCP 64 bytes; echo UDP one datagram; HTTP GET
 *     /api/status), ~2 s to settle, free before and after. Aim: back within 20 variables.
 *
 *   --mqtt: either of the above with the device's MQTT client connected to a Mosquitto the script
 *     starts (test/helpers/mosquitto.ts; Storage `mqtt` with a period of 1 s): idle is measured once
 *     it is online and its discovery messages have gone out, and one more aim is that it stays
 *     connected with no sample missing on the broker throughout (scripts/mqtt-watch.ts).
 *
 * Writes bench-results/scenario.json (the scenario and the sessions, each with and without MQTT,
 * under their own key; a run replaces only its own) and docs/benchmarks/scenario.md from it.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { LineConn } from "../test/helpers/line-conn.ts";
import { startBroker, type Broker } from "../test/helpers/mosquitto.ts";
import { bootFromStorage, buildEntry, echoSession, httpRequest, lineSession, storageFiles, udpSession, type Booted } from "./measure-memory.ts";
import { HA_CONFIGS, Watch } from "./mqtt-watch.ts";

const PORTS = { line: 4444, echo: 8007, http: 8080 };
const ENTRY = "firmware/main/linux.ts";
const JSON_OUT = "bench-results/scenario.json";
const MD_OUT = "docs/benchmarks/scenario.md";
/** Timeouts are generous: the 32-bit build may run under an emulator (qemu-user) and is slow. */
const T_REPLY = 15000;
const T_HTTP = 20000;
const AIM_LOWEST = 200;
const AIM_SESSIONS_DRIFT = 20;
const PROBLEM_RE = /OUT OF MEMORY|LOW_MEMORY|ASSERT|New interpreter error/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `ok()` holds; throws after `timeoutMs`. */
async function waitFor(what: string, ok: () => boolean, timeoutMs = 60000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, "");

type Outcome = "OK" | "refused" | "503" | "error";

interface Step {
  step: string;
  result: Outcome;
  detail: string;
}

interface Lowest {
  console?: number;
  stream?: number;
  events?: number;
  overall?: number;
}

interface Aim {
  aim: string;
  pass: boolean;
  detail: string;
}

interface ScenarioRun {
  run: number;
  freeBefore?: number;
  steps: Step[];
  streamSamples: number;
  eventSamples: number;
  consolePolls: number;
  consolePollErrors: number;
  lowest: Lowest;
  freeAfter?: number;
  errorFlags: string;
  problems: string[];
  aims: Aim[];
  pass: boolean;
}

interface Header {
  machine: string;
  interpreter: string;
  date: string;
  command: string;
  bundle: string;
  /** The MQTT client was connected throughout (--mqtt). */
  mqtt?: boolean;
  note?: string;
}

interface ScenarioReport extends Header {
  freeIdle?: number;
  runs: ScenarioRun[];
  pass: boolean;
}

/** bench-results/scenario.json: each kind of run under its own key. */
interface Results {
  scenario?: ScenarioReport;
  sessions?: SessionsReport;
  scenarioMqtt?: ScenarioReport;
  sessionsMqtt?: SessionsReport;
}

interface SessionKind {
  kind: string;
  done: number;
  errors: number;
  firstError?: string;
}

interface SessionsReport extends Header {
  sessions: number;
  done: number;
  errors: number;
  kinds: SessionKind[];
  seconds: number;
  freeBefore?: number;
  /** Free 1 s after the first round (one session of each kind): what the first clients leave used once. */
  freeAfterFirstRound?: number;
  freeAfter?: number;
  difference?: number;
  /** freeAfterFirstRound - freeAfter: what the other sessions left used. */
  differenceAfterFirstRound?: number;
  errorFlags: string;
  problems: string[];
  aims: Aim[];
  pass: boolean;
}

/** Which firmware was measured: the commit, and whether the sources differ from it. */
function firmwareState(): string {
  // --no-optional-locks: never write the index (others may be using it).
  const git = (...a: string[]) => spawnSync("git", ["--no-optional-locks", ...a], { encoding: "utf8" });
  const head = git("rev-parse", "--short", "HEAD");
  if (head.status !== 0) return "not in a git checkout";
  const paths = ["firmware", "lib", "board-configs", "rollup.config.js"];
  const changed = git("diff", "--quiet", "HEAD", "--", ...paths).status !== 0 || git("ls-files", "--others", "--exclude-standard", "--", ...paths).stdout.trim() !== "";
  return `commit ${head.stdout.trim()}` + (changed ? " with uncommitted changes to the firmware" : "");
}

const minOf = (...xs: Array<number | undefined>): number | undefined => {
  const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return v.length ? Math.min(...v) : undefined;
};

/** The free column (4th CSV field) of a sample line `seq,ms,a0,free,led`, or undefined. */
function sampleFree(line: string): number | undefined {
  const f = line.trim().split(",");
  if (f.length < 5 || !f.every((x) => /^-?\d+(\.\d+)?$/.test(x))) return undefined;
  return Number(f[3]);
}

/** The interpreter's output since `from` without the console's answers, and its lines that look like trouble. */
function problemsIn(b: Booted, from: number): string[] {
  const text = b.out().slice(from).replace(/ANS\d+=[^<]*</g, "");
  const lines = text.split(/\r?\n/).map(printable).filter((l) => PROBLEM_RE.test(l));
  return lines.slice(0, 12).map((l) => l.slice(0, 160));
}

async function errorFlags(b: Booted): Promise<string> {
  try {
    // E.getErrorFlags can be missing (a global `E` of the bundle hides Espruino's, or a build
    // that saves flash); the flags still show on the console as "New interpreter error: ...",
    // which problemsIn looks for.
    return await b.ask('typeof E.getErrorFlags=="function"?JSON.stringify(E.getErrorFlags()):"(no E.getErrorFlags: typeof E is "+typeof E+")"');
  } catch (e) {
    return "(no answer: " + printable(String(e)).slice(0, 80) + ")";
  }
}

async function freeNow(b: Booted): Promise<number | undefined> {
  try {
    const v = await b.free();
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Asks the console `process.memory(false).free` every ~`everyMs` until stopped; keeps the lowest. */
function consolePoller(b: Booted, everyMs = 100) {
  const st = { min: undefined as number | undefined, polls: 0, errors: 0 };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const v = Number(await b.ask("process.memory(false).free"));
        if (Number.isFinite(v)) {
          st.polls++;
          st.min = minOf(st.min, v);
        } else st.errors++;
      } catch {
        st.errors++;
      }
      if (b.child.exitCode !== null || b.child.signalCode !== null) break;
      await sleep(everyMs);
    }
  })();
  return {
    st,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** Opens a TCP connection; null and the error's code when it cannot. */
function open(port: number, timeoutMs = T_REPLY): Promise<{ sock: Socket | null; error?: string }> {
  return new Promise((res) => {
    const s = connect(port, "127.0.0.1");
    const t = setTimeout(() => {
      s.destroy();
      res({ sock: null, error: "connect timeout" });
    }, timeoutMs);
    s.once("connect", () => {
      clearTimeout(t);
      res({ sock: s });
    });
    s.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      res({ sock: null, error: e.code ?? e.message });
    });
  });
}

/** Step 1: the terminal. Resolves once STREAM is answered; `finish` then judges the whole hold. */
async function terminal(): Promise<{ step: Step; finish: () => { samples: number; min?: number }; close: () => void }> {
  const step: Step = { step: "line: greeting, STREAM 500, samples", result: "error", detail: "" };
  let conn: LineConn;
  try {
    conn = await LineConn.open(PORTS.line);
  } catch (e) {
    step.detail = "cannot connect: " + ((e as NodeJS.ErrnoException).code ?? String(e));
    return { step, finish: () => ({ samples: 0 }), close: () => {} };
  }
  const close = () => conn.close();
  const summary = () => {
    let samples = 0;
    let min: number | undefined;
    for (const l of conn.lines) {
      const f = sampleFree(l);
      if (f === undefined) continue;
      samples++;
      min = minOf(min, f);
    }
    return { samples, min };
  };
  let streaming = false;
  try {
    const g = await conn.waitFor(/^(#|ERR)/, 0, T_REPLY);
    if (g.startsWith("ERR")) {
      step.result = /EBUSY/.test(g) ? "refused" : "error";
      step.detail = "greeting: " + g;
      return { step, finish: () => ({ samples: 0 }), close };
    }
    const from = conn.lines.length;
    conn.sock.write("STREAM 500\n");
    const r = await conn.waitFor(/^(OK|ERR)/, from, T_REPLY);
    if (r.startsWith("ERR")) {
      step.result = /EBUSY/.test(r) ? "refused" : "error";
      step.detail = "STREAM 500: " + r;
    } else {
      step.result = "OK";
      step.detail = "STREAM 500: " + r;
      streaming = true;
    }
  } catch (e) {
    step.result = conn.closed && conn.lines.length === 0 ? "refused" : "error";
    step.detail = step.result === "refused" ? "closed before its greeting" : printable(String((e as Error).message)).slice(0, 160);
    return { step, finish: summary, close };
  }
  return {
    step,
    close,
    finish: () => {
      const s = summary();
      if (streaming) {
        if (conn.closed) {
          step.result = "error";
          step.detail += `; closed by the device during the hold (${s.samples} samples)`;
        } else if (s.samples === 0) {
          step.result = "error";
          step.detail += "; no sample came";
        }
        const tail = conn.lines.filter((l) => l.startsWith("#") && !/ready$/.test(l) && !/^#seq/.test(l)).slice(-1);
        step.detail += `; ${s.samples} samples` + (tail.length ? `; last # line ${JSON.stringify(tail[0])}` : "");
      }
      return s;
    },
  };
}

/** Step 2: the dashboard's event stream. */
async function events(): Promise<{ step: Step; finish: () => { samples: number; min?: number }; close: () => void }> {
  const step: Step = { step: "GET /events (held open)", result: "error", detail: "" };
  const o = await open(PORTS.http);
  if (!o.sock) {
    step.detail = "cannot connect: " + o.error;
    return { step, finish: () => ({ samples: 0 }), close: () => {} };
  }
  const s = o.sock;
  let text = "";
  let closed = false;
  let err = "";
  s.setEncoding("latin1");
  s.on("data", (d: string) => (text += d));
  s.on("close", () => (closed = true));
  s.on("error", (e: NodeJS.ErrnoException) => (err = e.code ?? e.message));
  s.write(
    "GET /events HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n" +
      "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36\r\n" +
      "Referer: http://127.0.0.1:8080/\r\nAccept-Encoding: gzip, deflate, br, zstd\r\nAccept-Language: en-US,en;q=0.9\r\n\r\n",
  );
  const deadline = Date.now() + T_REPLY;
  while (!closed && !text.includes("\r\n\r\n") && Date.now() < deadline) await sleep(50);
  const statusLine = text.split("\r\n")[0];
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const summary = () => {
    let samples = 0;
    let min: number | undefined;
    const body = text.indexOf("\r\n\r\n") >= 0 ? text.slice(text.indexOf("\r\n\r\n") + 4) : "";
    for (const l of body.split(/\r?\n/)) {
      const m = /^data:\s?(.*)$/.exec(l);
      if (!m) continue;
      const f = sampleFree(m[1]);
      if (f === undefined) continue;
      samples++;
      min = minOf(min, f);
    }
    return { samples, min };
  };
  const close = () => s.destroy();
  if (status === 200) {
    step.result = "OK";
    step.detail = statusLine;
  } else if (status === 503) {
    step.result = "503";
    step.detail = statusLine + (/retry-after: *(\d+)/i.test(text) ? `, Retry-After ${/retry-after: *(\d+)/i.exec(text)![1]}` : "");
  } else if (status) {
    step.detail = statusLine;
  } else if (closed && text === "") {
    step.result = "refused";
    step.detail = "closed with no response" + (err ? ` (${err})` : "");
  } else step.detail = closed ? `closed after ${JSON.stringify(printable(text).slice(0, 60))}` : "no response head in time";
  const streaming = status === 200;
  return {
    step,
    close,
    finish: () => {
      const r = summary();
      if (streaming) {
        if (closed) {
          step.result = "error";
          step.detail += `; closed by the device during the hold`;
        } else if (r.samples === 0) {
          step.result = "error";
          step.detail += "; no event came";
        }
        step.detail += `; ${r.samples} events`;
      }
      return r;
    },
  };
}

/** Step 3: 1000 random bytes through echo; the connection stays open. */
async function echo(): Promise<{ step: Step; finish: () => void; close: () => void }> {
  const step: Step = { step: "echo: 1000 random bytes (held open)", result: "error", detail: "" };
  const o = await open(PORTS.echo);
  if (!o.sock) {
    step.detail = "cannot connect: " + o.error;
    return { step, finish: () => {}, close: () => {} };
  }
  const s = o.sock;
  const sent = randomBytes(1000);
  let got = Buffer.alloc(0);
  let closed = false;
  let err = "";
  s.on("data", (d: Buffer) => (got = Buffer.concat([got, d])));
  s.on("close", () => (closed = true));
  s.on("error", (e: NodeJS.ErrnoException) => (err = e.code ?? e.message));
  s.write(sent);
  const deadline = Date.now() + T_REPLY;
  while (!closed && got.length < sent.length && Date.now() < deadline) await sleep(50);
  if (got.length >= sent.length) {
    const same = got.length === sent.length && got.equals(sent);
    step.result = same ? "OK" : "error";
    step.detail = same ? "1000 bytes back, identical" : `${got.length} bytes back, ${got.subarray(0, 1000).equals(sent) ? "the first 1000 identical, then extra" : "differing"}`;
  } else if (closed && got.length === 0) {
    step.result = "refused";
    step.detail = "closed with nothing echoed" + (err ? ` (${err})` : "");
  } else step.detail = `${got.length} of 1000 bytes back` + (closed ? ", then closed" : " in time");
  const held = step.result === "OK";
  return {
    step,
    close: () => s.destroy(),
    finish: () => {
      if (held && closed) {
        step.result = "error";
        step.detail += "; closed by the device during the hold";
      }
    },
  };
}

const BROWSER =
  "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36\r\n" +
  "Accept-Language: en-US,en;q=0.9\r\nAccept-Encoding: gzip, deflate, br, zstd\r\nConnection: keep-alive\r\n";

/** A step's outcome from an HTTP reply; `check` judges a 200's body. */
function judgeHttp(step: Step, r: Awaited<ReturnType<typeof httpRequest>>, check: (body: string) => string | null): void {
  const where = `${r.ms} ms`;
  if (r.status === 200) {
    if (!r.complete) {
      step.detail = `${r.statusLine}, body ${r.body.length} of ${r.headers["content-length"] ?? "(no Content-Length)"} bytes${r.timedOut ? ", timed out" : ""}, ${where}`;
      return;
    }
    const bad = check(r.body.toString("latin1"));
    step.result = bad ? "error" : "OK";
    step.detail = `${r.statusLine}, ${r.body.length} bytes${r.headers["content-encoding"] ? " " + r.headers["content-encoding"] : ""}${bad ? ", " + bad : ""}, ${where}`;
  } else if (r.status === 503) {
    step.result = "503";
    step.detail = `${r.statusLine}${r.headers["retry-after"] ? ", Retry-After " + r.headers["retry-after"] : ""}, ${where}`;
  } else if (r.status) {
    step.detail = `${r.statusLine}, ${where}`;
  } else if (r.error === "ECONNREFUSED") {
    step.detail = "cannot connect: ECONNREFUSED";
  } else if (r.closed) {
    step.result = "refused";
    step.detail = `closed with no response${r.error ? ` (${r.error})` : ""}, ${where}`;
  } else step.detail = `no response in ${Math.round(T_HTTP / 1000)} s`;
}

function jsonCheck(need: string): (body: string) => string | null {
  return (body) => {
    try {
      const j = JSON.parse(body) as Record<string, unknown>;
      return j !== null && typeof j === "object" && need in j ? null : `JSON without "${need}"`;
    } catch {
      return `not JSON: ${JSON.stringify(printable(body).slice(0, 60))}`;
    }
  };
}

/** Step 5's check: a fresh line client still gets its greeting and a READ. */
async function freshRead(): Promise<Step> {
  const step: Step = { step: "afterwards: fresh line client, READ", result: "error", detail: "" };
  let c: LineConn;
  try {
    c = await LineConn.open(PORTS.line);
  } catch (e) {
    step.detail = "cannot connect: " + ((e as NodeJS.ErrnoException).code ?? String(e));
    return step;
  }
  try {
    const g = await c.waitFor(/^(#|ERR)/, 0, T_REPLY);
    if (g.startsWith("ERR")) {
      step.result = /EBUSY/.test(g) ? "refused" : "error";
      step.detail = "greeting: " + g;
      return step;
    }
    const from = c.lines.length;
    c.sock.write("READ\n");
    const r = await c.waitFor(/^(OK|ERR)/, from, T_REPLY);
    step.result = r.startsWith("OK") ? "OK" : /EBUSY/.test(r) ? "refused" : "error";
    step.detail = "READ: " + r;
  } catch (e) {
    step.result = c.closed && c.lines.length === 0 ? "refused" : "error";
    step.detail = step.result === "refused" ? "closed before its greeting" : printable((e as Error).message).slice(0, 160);
  } finally {
    c.close();
  }
  return step;
}

function aimsOf(steps: Step[], problems: string[], flags: string, lowest: number | undefined): Aim[] {
  const names = (o: Outcome) => steps.filter((s) => s.result === o).map((s) => s.step);
  const refused = names("refused");
  const s503 = names("503");
  const errors = names("error");
  const oom = problems.filter((l) => /OUT OF MEMORY/.test(l));
  const memFlag = /"MEMORY"/.test(flags);
  return [
    { aim: "no refusal", pass: refused.length === 0, detail: refused.join("; ") || "none" },
    { aim: "no 503", pass: s503.length === 0, detail: s503.join("; ") || "none" },
    {
      aim: "no OUT OF MEMORY",
      pass: oom.length === 0 && !memFlag,
      detail: oom.length || memFlag ? `${oom.length} OUT OF MEMORY line(s)${memFlag ? ", error flag MEMORY" : ""}` : "none",
    },
    { aim: `lowest free >= ${AIM_LOWEST}`, pass: lowest !== undefined && lowest >= AIM_LOWEST, detail: lowest === undefined ? "not measured" : String(lowest) },
    { aim: "every step served (no error)", pass: errors.length === 0, detail: errors.join("; ") || "none" },
  ];
}

/**
 * One run of the scenario. `holdEcho` false (with MQTT, which holds a socket of the budget for its
 * connection: 3 clients at once are left, docs/PROTOCOL.md "Guards") closes the echo client once
 * its bytes are back, before the HTTP requests, which would otherwise find no socket and get 503.
 */
async function scenarioRun(b: Booted, run: number, freeBefore: number | undefined, log: (s: string) => void, holdEcho = true): Promise<ScenarioRun> {
  const outFrom = b.out().length;
  const poller = consolePoller(b);
  const steps: Step[] = [];
  log(`run ${run}: 1. line STREAM 500`);
  const term = await terminal();
  steps.push(term.step);
  await sleep(500);
  log(`run ${run}: 2. GET /events`);
  const ev = await events();
  steps.push(ev.step);
  await sleep(500);
  log(`run ${run}: 3. echo 1000 bytes`);
  let ec = await echo();
  steps.push(ec.step);
  if (!holdEcho) {
    ec.step.step = "echo: 1000 random bytes, then closed";
    ec.close();
    ec = { step: ec.step, finish: () => {}, close: () => {} };
  }
  await sleep(500);
  log(`run ${run}: 4. GET /, GET /api/status, POST /api/led, 0.5 s apart`);
  const reqs: Array<{ step: Step; check: (body: string) => string | null; raw: string }> = [
    {
      step: { step: "GET / (browser, gzip)", result: "error", detail: "" },
      check: () => null,
      raw:
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nCache-Control: max-age=0\r\nUpgrade-Insecure-Requests: 1\r\n" +
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8\r\n" +
        BROWSER +
        "\r\n",
    },
    {
      step: { step: "GET /api/status", result: "error", detail: "" },
      check: jsonCheck("free"),
      raw: "GET /api/status HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\nReferer: http://127.0.0.1:8080/\r\n" + BROWSER + "\r\n",
    },
    {
      step: { step: "POST /api/led toggle", result: "error", detail: "" },
      check: jsonCheck("led"),
      raw:
        "POST /api/led HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\nContent-Type: text/plain;charset=UTF-8\r\nOrigin: http://127.0.0.1:8080\r\n" +
        "Referer: http://127.0.0.1:8080/\r\n" +
        BROWSER +
        "Content-Length: 6\r\n\r\ntoggle",
    },
  ];
  const held: Socket[] = [];
  const pending: Array<Promise<void>> = [];
  for (const [i, q] of reqs.entries()) {
    if (i > 0) await sleep(500);
    steps.push(q.step);
    pending.push(
      httpRequest(PORTS.http, q.raw, T_HTTP, true).then((r) => {
        held.push(r.sock);
        judgeHttp(q.step, r, q.check);
      }),
    );
  }
  await Promise.all(pending);
  log(`run ${run}: 5. holding 3 s, then closing`);
  await sleep(3000);
  const st = term.finish();
  const se = ev.finish();
  ec.finish();
  term.close();
  ev.close();
  ec.close();
  for (const s of held) s.destroy();
  await sleep(1500);
  const after = await freshRead();
  steps.push(after);
  await poller.stop();
  await sleep(2000);
  const freeAfter = await freeNow(b);
  const flags = await errorFlags(b);
  const problems = problemsIn(b, outFrom);
  if (b.child.exitCode !== null || b.child.signalCode !== null) problems.push(`the interpreter exited (${b.child.exitCode ?? b.child.signalCode})`);
  const lowest: Lowest = { console: poller.st.min, stream: st.min, events: se.min };
  lowest.overall = minOf(lowest.console, lowest.stream, lowest.events);
  const aims = aimsOf(steps, problems, flags, lowest.overall);
  return {
    run,
    freeBefore,
    steps,
    streamSamples: st.samples,
    eventSamples: se.samples,
    consolePolls: poller.st.polls,
    consolePollErrors: poller.st.errors,
    lowest,
    freeAfter,
    errorFlags: flags,
    problems,
    aims,
    pass: aims.every((a) => a.pass),
  };
}

async function sessions(b: Booted, n: number, log: (s: string) => void): Promise<Omit<SessionsReport, keyof Header> & { note?: string }> {
  const outFrom = b.out().length;
  const freeBefore = await freeNow(b);
  const payload = Buffer.alloc(64);
  for (let i = 0; i < 64; i++) payload[i] = (i * 7) & 255;
  const http = async () => {
    const r = await httpRequest(PORTS.http, "GET /api/status HTTP/1.1\r\nHost: device\r\n\r\n", 10000);
    if (r.status !== 200 || !r.complete) throw new Error(r.statusLine || (r.error ?? (r.timedOut ? "timeout" : "closed with no response")));
  };
  const kinds: Array<SessionKind & { run: () => Promise<void> }> = [
    { kind: "line (greeting, READ, STATUS, QUIT)", done: 0, errors: 0, run: () => lineSession(PORTS.line, 10000) },
    { kind: "echo TCP 64 bytes", done: 0, errors: 0, run: () => echoSession(PORTS.echo, payload, 10000) },
    { kind: "echo UDP one datagram", done: 0, errors: 0, run: () => udpSession(PORTS.echo, 5000) },
    { kind: "HTTP GET /api/status", done: 0, errors: 0, run: http },
  ];
  const t0 = Date.now();
  let done = 0;
  let errors = 0;
  let inRow = 0;
  let note: string | undefined;
  let freeAfterFirstRound: number | undefined;
  for (let i = 0; i < n; i++) {
    if (i === kinds.length) {
      await sleep(1000);
      freeAfterFirstRound = await freeNow(b);
    }
    const k = kinds[i % kinds.length];
    k.done++;
    done++;
    // A kind that failed 20 times is counted as failed without trying (each failure can take a timeout).
    if (k.errors >= 20) {
      k.errors++;
      errors++;
      continue;
    }
    try {
      await k.run();
      inRow = 0;
    } catch (e) {
      k.errors++;
      errors++;
      k.firstError ??= `session ${i + 1}: ${printable((e as Error).message).slice(0, 100)}`;
      if (++inRow >= 30) {
        note = `stopped after ${i + 1} sessions: 30 failed in a row`;
        break;
      }
      await sleep(50);
    }
    if ((i + 1) % 100 === 0) log(`sessions: ${i + 1} of ${n}, ${errors} errors`);
  }
  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  await sleep(2000);
  const freeAfter = await freeNow(b);
  const flags = await errorFlags(b);
  const problems = problemsIn(b, outFrom);
  const difference = freeBefore !== undefined && freeAfter !== undefined ? freeBefore - freeAfter : undefined;
  const differenceAfterFirstRound = freeAfterFirstRound !== undefined && freeAfter !== undefined ? freeAfterFirstRound - freeAfter : undefined;
  const aims: Aim[] = [
    { aim: `free back within ${AIM_SESSIONS_DRIFT} after the sessions`, pass: difference !== undefined && difference <= AIM_SESSIONS_DRIFT, detail: difference === undefined ? "not measured" : `${difference} fewer` },
    { aim: "every session served", pass: errors === 0 && done === n, detail: `${errors} errors in ${done} of ${n}` },
    { aim: "no OUT OF MEMORY", pass: !problems.some((l) => /OUT OF MEMORY/.test(l)) && !/"MEMORY"/.test(flags), detail: problems.filter((l) => /OUT OF MEMORY/.test(l)).length + " line(s), flags " + flags },
  ];
  return {
    sessions: n,
    done,
    errors,
    kinds: kinds.map(({ kind, done: d, errors: e, firstError }) => ({ kind, done: d, errors: e, firstError })),
    seconds,
    freeBefore,
    freeAfterFirstRound,
    freeAfter,
    difference,
    differenceAfterFirstRound,
    errorFlags: flags,
    problems,
    aims,
    pass: aims.every((a) => a.pass),
    ...(note ? { note } : {}),
  };
}

// ---- the report ----

const v = (x: number | undefined) => (x === undefined ? "-" : String(x));
const cell = (s: string) => s.replace(/\|/g, "/").replace(/\s+/g, " ");

function textScenario(r: ScenarioReport): string {
  const out: string[] = [`scenario: ${r.bundle} on ${r.interpreter}; idle free ${v(r.freeIdle)}` + (r.note ? `; note: ${r.note}` : "")];
  for (const run of r.runs) {
    out.push(`run ${run.run} (free before ${v(run.freeBefore)}):`);
    for (const s of run.steps) out.push(`  ${s.result.padEnd(8)} ${s.step.padEnd(40)} ${s.detail}`);
    const l = run.lowest;
    out.push(
      `  lowest free: console ${v(l.console)} (${run.consolePolls} polls, ${run.consolePollErrors} unanswered), stream ${v(l.stream)} (${run.streamSamples} samples), events ${v(l.events)} (${run.eventSamples} events), overall ${v(l.overall)}`,
    );
    out.push(`  free after ${v(run.freeAfter)}; error flags ${run.errorFlags}`);
    for (const p of run.problems) out.push(`  console: ${p}`);
    for (const a of run.aims) out.push(`  ${a.pass ? "PASS" : "FAIL"} ${a.aim}: ${a.detail}`);
  }
  out.push(`${r.pass ? "PASS" : "FAIL"} scenario (${r.runs.filter((x) => x.pass).length} of ${r.runs.length} runs met every aim)`);
  return out.join("\n") + "\n";
}

function textSessions(r: SessionsReport): string {
  const out = [
    `sessions: ${r.done} of ${r.sessions} in ${r.seconds} s, ${r.errors} errors${r.note ? "; " + r.note : ""}`,
    ...r.kinds.map((k) => `  ${k.kind}: ${k.errors} errors in ${k.done}${k.firstError ? "; first: " + k.firstError : ""}`),
    `  free before ${v(r.freeBefore)}, after the first round ${v(r.freeAfterFirstRound)}, after ${v(r.freeAfter)}; difference ${v(r.difference)} (${v(r.differenceAfterFirstRound)} since the first round); error flags ${r.errorFlags}`,
    ...r.problems.map((p) => `  console: ${p}`),
    ...r.aims.map((a) => `  ${a.pass ? "PASS" : "FAIL"} ${a.aim}: ${a.detail}`),
    `${r.pass ? "PASS" : "FAIL"} sessions`,
  ];
  return out.join("\n") + "\n";
}

function markdown(all: Results): string {
  const md: string[] = [
    "# Three services at once: memory scenario",
    "",
    "Generated by `npx tsx scripts/bench-scenario.ts` (the scenario; `--repeat K` runs it K times in",
    "one boot) and `npx tsx scripts/bench-scenario.ts --sessions 1000` (the sessions), with",
    "`ESPRUINO_BIN` a 32-bit Espruino Linux interpreter built with 1600 variables and `ESPRUINO_WRITER`",
    "one with more variables to write Storage; do not edit by hand. Each section is replaced by its own",
    "run (bench-results/scenario.json holds both). A benchmark: figures and PASS/FAIL against aims, not a test.",
    "",
  ];
  const scenario = (s: ScenarioReport, title: string) => {
    md.push(
      title,
      "",
      `Machine: ${s.machine}. Interpreter: ${s.interpreter}. Date: ${s.date}. Command: \`${s.command}\`. Bundle: ${s.bundle}.`,
      "",
      "Method: the linux firmware is built and booted from Storage with its web files, as",
      "scripts/measure-memory.ts does, and measured idle (`process.memory().free`, after a garbage",
      "collection). Then a terminal on the line port sends `STREAM 500` and reads its samples; the",
      "dashboard's `GET /events` is held open; an echo client sends 1000 random bytes, checks they all",
      "come back identical and stays connected; then, started 0.5 s apart, `GET /` as a browser asks it",
      "(gzip accepted; 200 with the whole Content-Length body), `GET /api/status` (200, JSON) and",
      "`POST /api/led` with `toggle` (200, JSON with `led`). Everything stays open about 3 s more and is",
      "closed; a fresh line client must still get an answer to `READ`; free is read again after 2 s.",
      "Throughout, the console is asked `process.memory(false).free` (no collection) every ~100 ms;",
      "the lowest free is the least of that and of the free column of every stream and event sample.",
      "Then `E.getErrorFlags()` and the interpreter's output (`OUT OF MEMORY`, `LOW_MEMORY`, `ASSERT`,",
      `\`New interpreter error\`). Aims: no refusal, no 503, no OUT OF MEMORY, lowest free >= ${AIM_LOWEST}, every step served.`,
      "",
      `Free at idle before the scenario: ${v(s.freeIdle)}.${s.note ? " Note: " + cell(s.note) : ""}`,
      "",
    );
    for (const run of s.runs) {
      const l = run.lowest;
      md.push(
        `### Run ${run.run}: ${run.pass ? "PASS" : "FAIL"}`,
        "",
        "| step | result | details |",
        "|---|---|---|",
        ...run.steps.map((x) => `| ${cell(x.step)} | ${x.result} | ${cell(x.detail)} |`),
        "",
        "| free | |",
        "|---|---|",
        `| before the run | ${v(run.freeBefore)} |`,
        `| lowest, console poll | ${v(l.console)} (${run.consolePolls} answers, ${run.consolePollErrors} unanswered) |`,
        `| lowest, stream samples | ${v(l.stream)} (${run.streamSamples} samples) |`,
        `| lowest, event samples | ${v(l.events)} (${run.eventSamples} events) |`,
        `| lowest, overall | ${v(l.overall)} |`,
        `| after, settled | ${v(run.freeAfter)} |`,
        "",
        `Error flags: \`${run.errorFlags}\`.` + (run.problems.length ? ` Interpreter output: ${run.problems.map((p) => "`" + cell(p) + "`").join(", ")}.` : " Nothing alarming in the interpreter's output."),
        "",
        "| aim | | |",
        "|---|---|---|",
        ...run.aims.map((a) => `| ${cell(a.aim)} | ${a.pass ? "PASS" : "FAIL"} | ${cell(a.detail)} |`),
        "",
      );
    }
  };
  const sessions = (q: SessionsReport, title: string) => {
    md.push(
      title,
      "",
      `Machine: ${q.machine}. Interpreter: ${q.interpreter}. Date: ${q.date}. Command: \`${q.command}\`. Bundle: ${q.bundle}.`,
      "",
      `Method: same boot as above; after the idle measurement, ${q.sessions} sessions one after another, in turn: line`,
      "(greeting, READ, STATUS, QUIT), echo TCP (64 bytes), echo UDP (one datagram), HTTP `GET /api/status`;",
      "a kind that failed 20 times is then counted as failed without trying. Free (after a garbage",
      "collection) before, 1 s after the first round (one session of each kind: what the first clients",
      `leave used once shows there), and 2 s after the last. Aim: back within ${AIM_SESSIONS_DRIFT} variables of before.`,
      "",
      "| session | done | errors | first error |",
      "|---|---|---|---|",
      ...q.kinds.map((k) => `| ${cell(k.kind)} | ${k.done} | ${k.errors} | ${cell(k.firstError ?? "")} |`),
      "",
      `${q.done} of ${q.sessions} sessions in ${q.seconds} s${q.note ? " (" + cell(q.note) + ")" : ""}. Free before ${v(q.freeBefore)}, after the first round ${v(q.freeAfterFirstRound)}, after ${v(q.freeAfter)}: difference ${v(q.difference)}, of which ${v(q.differenceAfterFirstRound)} since the first round. Error flags: \`${q.errorFlags}\`.` +
        (q.problems.length ? ` Interpreter output: ${q.problems.map((p) => "`" + cell(p) + "`").join(", ")}.` : ""),
      "",
      "| aim | | |",
      "|---|---|---|",
      ...q.aims.map((a) => `| ${cell(a.aim)} | ${a.pass ? "PASS" : "FAIL"} | ${cell(a.detail)} |`),
      "",
    );
  };
  const MQTT_METHOD = [
    "With `--mqtt`, the same, with the device's MQTT client connected to a Mosquitto the script starts",
    "(Storage `mqtt`, a sample a second on the broker). Its connection holds one of the 4 client sockets",
    "of the budget, so the scenario's echo client closes once its bytes are back, before the HTTP",
    "requests (held, they would get 503: no socket). Idle is measured once MQTT is online and its",
    "Home Assistant discovery messages have gone out, and one more aim is that it stays connected with",
    "no sample missing on the broker throughout (docs/benchmarks/mqtt.md has the client's own figures).",
    "",
  ];
  if (all.scenario) scenario(all.scenario, "## The scenario");
  if (all.sessions) sessions(all.sessions, "## 1000 mixed sessions");
  if (all.scenarioMqtt) {
    scenario(all.scenarioMqtt, "## The scenario, with MQTT connected");
    md.splice(md.lastIndexOf("## The scenario, with MQTT connected") + 2, 0, ...MQTT_METHOD);
  }
  if (all.sessionsMqtt) {
    sessions(all.sessionsMqtt, "## Mixed sessions, with MQTT connected");
    md.splice(md.lastIndexOf("## Mixed sessions, with MQTT connected") + 2, 0, ...MQTT_METHOD);
  }
  return md.join("\n");
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const opt = (name: string): number | undefined => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 1) {
      process.stderr.write(`bench-scenario: ${name} needs a positive whole number\n`);
      process.exit(2);
    }
    return n;
  };
  const repeat = opt("--repeat") ?? 1;
  const nSessions = opt("--sessions");
  const asJson = argv.includes("--json");
  const bin = process.env.ESPRUINO_BIN;
  if (!bin) {
    process.stderr.write("bench-scenario: set ESPRUINO_BIN to Espruino's Linux interpreter built with 1600 variables, 32-bit (README), and ESPRUINO_WRITER to one with more variables\n");
    return 2;
  }
  const log = (s: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`);
  const command = "npx tsx scripts/bench-scenario.ts" + (argv.length ? " " + argv.join(" ") : "");
  const dir = mkdtempSync(join(tmpdir(), "bench-scenario-"));
  const file = join(dir, "bundle.js");
  let bytes: number;
  try {
    bytes = await buildEntry(ENTRY, file);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`bench-scenario: the build of ${ENTRY} failed: ${printable(String((e as Error).message)).slice(0, 400)}\n`);
    return 1;
  }
  const extra = storageFiles();
  const withMqtt = argv.includes("--mqtt");
  let broker: Broker | undefined;
  let watch: Watch | undefined;
  if (withMqtt) {
    broker = await startBroker();
    watch = await Watch.open(broker.url);
    const cfg = join(dir, "mqtt.json");
    writeFileSync(cfg, JSON.stringify({ host: "127.0.0.1", port: broker.port, period: 1 }));
    extra.push({ name: "mqtt", file: cfg });
    log(`MQTT: Mosquitto on ${broker.url}`);
  }
  const stopBroker = async () => {
    watch?.close();
    await broker?.dispose();
  };
  if (!extra.some((f) => f.name === "w.idx")) log("warning: no web files (dist/web/manifest.json): run `npm run build -- --board linux` first; pages will not be found");
  log(`bundle ${ENTRY}: ${bytes} bytes; Storage files: ${extra.map((f) => f.name).join(" ") || "none"}`);
  let b: Booted;
  try {
    b = await bootFromStorage(bin, file, extra);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    await stopBroker();
    process.stderr.write(`bench-scenario: could not boot: ${printable(String((e as Error).message)).slice(0, 400)}\n`);
    return 1;
  }
  // A watchdog: every wait has its timeout, but nothing must hang for ever.
  const budgetMs = 300000 + repeat * 180000 + (nSessions ?? 0) * 3000;
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench-scenario: gave up after ${budgetMs / 1000} s\n`);
    b.stop();
    process.exit(1);
  }, budgetMs);
  const onSignal = () => {
    b.stop();
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let result: ScenarioReport | SessionsReport;
  try {
    await sleep(1500);
    const bootProblems = problemsIn(b, 0);
    if (b.child.exitCode !== null || b.child.signalCode !== null) bootProblems.push(`the interpreter exited (${b.child.exitCode ?? b.child.signalCode})`);
    const version = await b.ask("process.env.VERSION").catch(() => "?");
    const header: Header = {
      machine: `${cpus()[0]?.model ?? "?"} x${cpus().length}, Node ${process.version}`,
      interpreter: `Espruino ${version} (ESPRUINO_BIN, ${await b.ask("process.memory().total").catch(() => "?")} variables)`,
      date: new Date().toISOString(),
      command,
      bundle: `${ENTRY} (${bytes} B), ${firmwareState()}`,
      ...(withMqtt ? { mqtt: true } : {}),
      ...(bootProblems.length ? { note: "at boot: " + bootProblems.slice(0, 3).join(" / ") } : {}),
    };
    if (watch) {
      const w = watch;
      await waitFor("MQTT online", () => w.onlines >= 1);
      await waitFor("MQTT discovery", () => w.configs >= HA_CONFIGS);
      await sleep(1500);
      log(`MQTT: online, ${w.configs} discovery messages, ${w.samples.length} samples so far`);
    }
    await sleep(500);
    const freeIdle = await freeNow(b);
    log(`idle free ${v(freeIdle)}`);
    const mark = watch ? { samples: watch.samples.length, offlines: watch.offlines } : undefined;
    if (nSessions !== undefined) {
      const q = await sessions(b, nSessions, log);
      const note = [header.note, q.note].filter(Boolean).join("; ");
      result = { ...header, ...q, note: note || undefined };
    } else {
      const runs: ScenarioRun[] = [];
      let before = freeIdle;
      for (let k = 1; k <= repeat; k++) {
        const run = await scenarioRun(b, k, before, log, !withMqtt);
        runs.push(run);
        before = run.freeAfter;
        if (b.child.exitCode !== null || b.child.signalCode !== null) break;
      }
      result = { ...header, freeIdle, runs, pass: runs.length === repeat && runs.every((r) => r.pass) };
    }
    if (watch && mark) {
      // Samples due after the last one seen are still on their way: a second more.
      await sleep(1500);
      const seen = watch.samples.length - mark.samples;
      const missing = watch.gaps(mark.samples);
      const cuts = watch.offlines - mark.offlines;
      const aim: Aim = {
        aim: "MQTT connected throughout, no sample missing",
        pass: seen > 0 && missing === 0 && cuts === 0,
        detail: `${seen} samples on the broker, ${missing} missing by seq, ${cuts} offline`,
      };
      log(`${aim.pass ? "PASS" : "FAIL"} ${aim.aim}: ${aim.detail}`);
      if ("runs" in result) {
        const last = result.runs[result.runs.length - 1];
        if (last) {
          last.aims.push(aim);
          last.pass = last.aims.every((a) => a.pass);
        }
        result.pass = result.runs.length === repeat && result.runs.every((r) => r.pass);
      } else {
        result.aims.push(aim);
        result.pass = result.aims.every((a) => a.pass);
      }
    }
  } finally {
    clearTimeout(watchdog);
    b.stop();
    rmSync(dir, { recursive: true, force: true });
    await stopBroker();
  }
  const all = (existsSync(JSON_OUT) ? (JSON.parse(readFileSync(JSON_OUT, "utf8")) as Results) : {}) ?? {};
  if (nSessions !== undefined) all[withMqtt ? "sessionsMqtt" : "sessions"] = result as SessionsReport;
  else all[withMqtt ? "scenarioMqtt" : "scenario"] = result as ScenarioReport;
  mkdirSync(dirname(JSON_OUT), { recursive: true });
  mkdirSync(dirname(MD_OUT), { recursive: true });
  writeFileSync(JSON_OUT, JSON.stringify(all, null, 2) + "\n");
  writeFileSync(MD_OUT, markdown(all));
  if (asJson) process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  else process.stdout.write(nSessions !== undefined ? textSessions(result as SessionsReport) : textScenario(result as ScenarioReport));
  log(`wrote ${JSON_OUT} and ${MD_OUT}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`bench-scenario: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);

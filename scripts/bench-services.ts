/*
 * `npx tsx scripts/bench-services.ts`: measures the network services (issue 4) and the web server
 * (issue 5) and writes bench-results/services.json and docs/benchmarks/services.md. Not a test:
 * figures, no verdicts.
 *
 * Targets:
 *   sim    dist/sim.js in the simulator (ephemeral ports); memory is the simulator's model.
 *   linux  Espruino's Linux interpreter: ESPRUINO_BIN (a build with the ESP8266's 1600
 *          variables; the linux targets are skipped when it is unset), and ESPRUINO_BIN_LARGE (default
 *          the `espruino` beside it) for the figures a 1600-variable build cannot give. The bundle
 *          and the web files are written to Storage and booted with `-e ""` as a deploy would
 *          (scripts/measure-memory.ts), then measured through the interpreter's telnet console:
 *          `process.memory().free` after a garbage collection.
 * Measures: free variables with every service up and idle; the cost of idle connections (line,
 * echo, HTTP, 3 held open: the first with its service's code, which it loads, then each further
 * one; refusals are counted); free
 * variables after 1,000 mixed sessions (line: greeting, READ, STATUS, QUIT; echo TCP: 64 bytes;
 * echo UDP: one datagram), settled; echo throughput on loopback (256 KB with at most 1 KB in
 * flight). Web: bytes of each page (gzip accepted, as a browser asks), requests per second for
 * sequential GET /api/status over 3 s, free variables before and after.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { LineConn } from "../test/helpers/line-conn.ts";
import { bootFromStorage, buildEntry, echoSession, exchange, lineSession, storageFiles, udpSession } from "./measure-memory.ts";

interface Ports {
  line: number;
  echo: number;
  http: number;
}

interface WebResult {
  freeBefore?: number;
  freeAfter?: number;
  pages?: Array<{ path: string; status: string; bytes: number }>;
  requestsPerSecond?: number;
  requestErrors?: number;
}

interface Result {
  target: string;
  ok: boolean;
  note?: string;
  freeIdle?: number;
  /** Each idle connection after the first (line / echo / HTTP), and the first with its service loaded. */
  perIdleConnection?: number;
  perIdleEcho?: number;
  perIdleHttp?: number;
  firstLine?: number;
  firstEcho?: number;
  firstHttp?: number;
  refused?: string;
  web?: WebResult;
  freeAfterSessions?: number;
  sessions?: number;
  sessionErrors?: number;
  echoKBps?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** Opens `n` raw TCP connections to `port` and resolves with them once each has been open 300 ms. */
async function holdRaw(port: number, n: number): Promise<Socket[]> {
  const out: Socket[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await new Promise<Socket>((res, rej) => {
        const s = connect(port, "127.0.0.1", () => setTimeout(() => res(s), 300));
        s.on("error", rej);
        s.on("data", () => {});
      }),
    );
  }
  return out;
}

/** What 3 idle connections to `port` cost: the first (it loads the service), then each further one. */
async function idleCost(port: number, base: number, readFree: () => Promise<number>): Promise<{ first: number; each: number }> {
  const held = await holdRaw(port, 1);
  await sleep(500);
  const first = await readFree();
  held.push(...(await holdRaw(port, 2)));
  await sleep(500);
  const f = await readFree();
  for (const s of held) s.destroy();
  await sleep(1500);
  return { first: base - first, each: Math.round((first - f) / 2) };
}

async function measureWeb(port: number, readFree: () => Promise<number>): Promise<WebResult> {
  const w: WebResult = { freeBefore: await readFree(), pages: [] };
  for (const path of ["/", "/status", "/about", "/api/status", "/api/samples"]) {
    const r = await exchange(port, `GET ${path} HTTP/1.1\r\nHost: device\r\nAccept-Encoding: gzip\r\n\r\n`);
    w.pages!.push({ path, status: r.split("\r\n")[0] || "(closed)", bytes: r.length });
  }
  let n = 0;
  let errors = 0;
  const t0 = Date.now();
  while (Date.now() - t0 < 3000) {
    const r = await exchange(port, "GET /api/status HTTP/1.1\r\nHost: device\r\n\r\n");
    if (r.startsWith("HTTP/1.1 200")) n++;
    else errors++;
    if (errors > 20) break;
  }
  w.requestsPerSecond = Math.round((n * 1000) / (Date.now() - t0));
  w.requestErrors = errors;
  await sleep(1500);
  w.freeAfter = await readFree();
  return w;
}

async function measure(target: string, ports: Ports, readFree: () => Promise<number>, opts: { web: boolean; sessions: number; webFirst?: boolean; into?: Result }): Promise<Result> {
  // `into` keeps what was measured when a later step fails.
  const r: Result = opts.into ?? { target, ok: true };
  await sleep(1500);
  r.freeIdle = await readFree();
  const held: LineConn[] = [];
  let refused = 0;
  let afterFirst = 0;
  for (let i = 0; i < 3; i++) {
    const c = await LineConn.open(ports.line);
    const first = await c.waitFor(/^(#|ERR)/);
    if (first.startsWith("ERR")) refused++;
    held.push(c);
    if (i === 0) {
      await sleep(500);
      afterFirst = await readFree();
    }
  }
  await sleep(500);
  const withHeld = await readFree();
  r.firstLine = r.freeIdle - afterFirst;
  r.perIdleConnection = Math.round((afterFirst - withHeld) / 2);
  if (refused > 0) r.refused = `${refused} of 3 idle line clients refused (ERR EBUSY)`;
  for (const c of held) c.close();
  await sleep(1500);
  const echo = await idleCost(ports.echo, await readFree(), readFree);
  r.firstEcho = echo.first;
  r.perIdleEcho = echo.each;
  if (opts.web) {
    const http = await idleCost(ports.http, await readFree(), readFree);
    r.firstHttp = http.first;
    r.perIdleHttp = http.each;
  }
  if (opts.web && opts.webFirst) r.web = await measureWeb(ports.http, readFree);
  const payload = Buffer.alloc(64);
  for (let i = 0; i < 64; i++) payload[i] = (i * 7) & 255;
  let errors = 0;
  let inRow = 0;
  let lineErrors = 0;
  const N = opts.sessions;
  let done = 0;
  for (let i = 0; i < N; i++) {
    try {
      const k = i % 3;
      if (k === 0) {
        // After 20 failed line sessions the rest are counted as failed without trying (each can take a 5 s timeout).
        if (lineErrors >= 20) throw new Error("line sessions skipped");
        try {
          await lineSession(ports.line);
        } catch (e) {
          lineErrors++;
          throw e;
        }
      }
      else if (k === 1) await echoSession(ports.echo, payload);
      else await udpSession(ports.echo);
      inRow = 0;
    } catch {
      errors++;
      // A service that refuses every client fails each line session: give up on a run of 30.
      if (++inRow >= 30) {
        r.note = `sessions stopped after ${i + 1}: 30 failed in a row`;
        done = i + 1;
        break;
      }
      await sleep(50);
    }
    done = i + 1;
  }
  r.sessions = done;
  r.sessionErrors = errors;
  await sleep(2000);
  r.freeAfterSessions = await readFree();
  try {
    r.echoKBps = await echoThroughput(ports.echo);
  } catch (e) {
    r.note = (r.note ? r.note + "; " : "") + "echo throughput: " + String(e);
  }
  if (opts.web && !opts.webFirst) {
    await sleep(1000);
    r.web = await measureWeb(ports.http, readFree);
  }
  return r;
}

async function simTarget(): Promise<Result> {
  const { startSimulator } = await import("../simulator/index.ts");
  const stateDir = mkdtempSync(join(tmpdir(), "bench-sim-"));
  const sim = await startSimulator({ board: "sim", ports: "ephemeral", stateDir, build: true, storageManifests: ["dist/web/manifest.json"] });
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
    return await measure("sim (simulator memory model; STATUS free, with the measuring client)", sim.ports, readFree, { web: true, sessions: 1000 });
  } finally {
    await sim.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** `binName` says which interpreter in the results (an environment variable's name, never a path of this machine). */
async function linuxTarget(bin: string, binName: string, entry: string, label: string, web: boolean, webFirst = false): Promise<Result> {
  const file = join(mkdtempSync(join(tmpdir(), "bench-build-")), "bundle.js");
  const bytes = await buildEntry(entry, file);
  const target = `linux ${label}: ${entry} (${bytes} B) booted from Storage on ${binName}`;
  const b = await bootFromStorage(bin, file, storageFiles());
  const partial: Result = { target, ok: true };
  try {
    if (/OUT OF MEMORY|ASSERT/.test(b.out())) {
      const lines = b.out().split(/\r?\n/).filter((l) => /MEMORY|ASSERT|EXITING/.test(l)).slice(0, 4);
      return { target, ok: false, note: "the bundle does not boot: " + lines.join(" | ") };
    }
    const r = await measure(target, { line: 4444, echo: 8007, http: 8080 }, b.free, { web, sessions: 1000, webFirst, into: partial });
    const problems = b.out().split(/\r?\n/).filter((l) => /OUT OF MEMORY|ASSERT|refused/.test(l));
    if (problems.length > 0) r.note = (r.note ? r.note + "; " : "") + `console: ${problems.length} line(s) like ${JSON.stringify(problems[0].replace(/[^\x20-\x7e]/g, "").slice(0, 90))}`;
    return r;
  } catch (e) {
    return { ...partial, target, ok: false, note: String(e).slice(0, 120) + " / console: " + b.out().slice(-300).replace(/[^\x20-\x7e]/g, "") };
  } finally {
    b.stop();
  }
}

function markdown(results: Result[], machine: string): string {
  const v = (x: number | undefined) => (x === undefined ? "-" : String(x));
  const row = (r: Result) =>
    `| ${r.target} | ${r.ok ? "yes" : "no"}${r.note ? ": " + r.note.replace(/\|/g, "/").replace(/\s+/g, " ").slice(0, 240) : ""}${r.refused ? "; " + r.refused : ""} | ${v(r.freeIdle)} | ${v(r.perIdleConnection)} / ${v(r.perIdleEcho)} / ${v(r.perIdleHttp)} | ${v(r.firstLine)} / ${v(r.firstEcho)} / ${v(r.firstHttp)} | ${v(r.freeAfterSessions)}${r.sessions ? ` (${r.sessionErrors} errors in ${r.sessions})` : ""} | ${v(r.echoKBps)} |`;
  const webRows: string[] = [];
  for (const r of results) {
    if (!r.web) continue;
    const w = r.web;
    const pages = (w.pages ?? []).map((p) => `${p.path} ${p.bytes} B (${p.status.replace(/^HTTP\/1\.1 /, "")})`).join("; ");
    webRows.push(`| ${r.target} | ${v(w.requestsPerSecond)} (${v(w.requestErrors)} errors) | ${pages} | ${v(w.freeBefore)} / ${v(w.freeAfter)} |`);
  }
  return [
    "# Network services and web server benchmark",
    "",
    "Generated by `npx tsx scripts/bench-services.ts`; do not edit by hand. docs/MEMORY.md explains",
    "where the variables go and how to measure them (`npx tsx scripts/measure-memory.ts --steps`).",
    "",
    `Machine: ${machine}. Date: ${new Date().toISOString()}.`,
    "",
    "Method: free variables with every service up and idle; the cost of idle connections (3 held",
    "open: each one after the first, and the first, which loads its service's code; line / echo /",
    "HTTP before its request); free variables after 1,000 mixed sessions (line: greeting, READ,",
    "STATUS, QUIT; echo TCP: 64 bytes;",
    "echo UDP: one datagram), 2 s after the last; echo throughput over loopback with at most 1 KB in",
    "flight. Aims (issue 4): at least 1250 of 1600 free, 30 variables or fewer per idle connection,",
    "back within 20 after the sessions. On the real interpreter a service's code is loaded for its",
    "first client and dropped after its last (docs/MEMORY.md), so the first connection of each",
    "kind pays for the service's code.",
    "",
    "| target | measured | free idle | vars per further idle connection (line / echo / HTTP) | first connection, with its service (line / echo / HTTP) | free after sessions | echo KB/s |",
    "|---|---|---|---|---|---|---|",
    ...results.map(row),
    "",
    "## Web server (issue 5)",
    "",
    "Bytes of each page as a browser gets it (head and body, gzip accepted); requests per second",
    "for sequential `GET /api/status` on one connection each, over 3 s; free variables before and",
    "after.",
    "",
    "| target | requests/s | bytes per page | free before / after |",
    "|---|---|---|---|",
    ...webRows,
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
    results.push(await linuxTarget(bin, "ESPRUINO_BIN (1600 variables)", "firmware/main/linux.ts", "full firmware", true));
    results.push(await linuxTarget(bin, "ESPRUINO_BIN (1600 variables)", "firmware/main/linux-services-only.ts", "services only, no web server", false));
    const large = process.env.ESPRUINO_BIN_LARGE ?? join(dirname(bin), "espruino");
    if (existsSync(large) && large !== bin) results.push(await linuxTarget(large, "ESPRUINO_BIN_LARGE (default variables)", "firmware/main/linux.ts", "full firmware, default variables (web measured before the sessions)", true, true));
  } else results.push({ target: "linux", ok: false, note: "ESPRUINO_BIN is not set: the real interpreter was not measured" });
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

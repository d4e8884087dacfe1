/*
 * `load`: N clients for T seconds within the board's socket budget, on one service or mixed.
 * Echo and line clients keep one connection and send request after request (64 bytes echoed;
 * READ and STATUS); HTTP clients make one connection per request (the device closes each).
 * Reports requests and bytes per second, latency p50/p95/p99, errors by kind (a 503 is counted
 * apart: it is the device refusing cleanly when a socket is still closing), and the device's
 * free variables before and after (which must come back within 20: docs/MEMORY.md, "Budgets").
 */
import type { LoadService } from "../args.ts";
import { randomBytes, seededRng } from "../checks/context.ts";
import { settledFreeVars } from "../device-memory.ts";
import { messageOf } from "../errors.ts";
import { httpGet } from "../http-client.ts";
import { LineClient } from "../line-client.ts";
import { type CheckResult, progress } from "../report.ts";
import { type Summary, summarize } from "../stats.ts";
import { clientSockets, type Target } from "../target.ts";
import { Reader, sleep } from "../tcp.ts";

type Svc = "echo" | "line" | "http";

interface Tally {
  /** Refusals (HTTP 503, ERR EBUSY or a close at connect): the device keeping its socket budget; counted, not errors. */
  busy: number;
  requests: number;
  bytes: number;
  latencies: number[];
  errors: Record<string, number>;
}

export interface ServiceFigures {
  clients: number;
  requests: number;
  requestsPerSecond: number;
  bytes: number;
  bytesPerSecond: number;
  /** Refusals: HTTP 503, or ERR EBUSY or a close at connect (no socket to spare at that moment). */
  busy: number;
  latencyMs: Summary;
  errors: Record<string, number>;
}

export interface LoadSummary extends Record<string, unknown> {
  service: LoadService;
  clients: number;
  seconds: number;
  perService: Partial<Record<Svc, ServiceFigures>>;
  total: ServiceFigures;
  freeBefore: number | null;
  freeAfter: number | null;
}

/** Memory must come back within this many variables (docs/MEMORY.md, "Budgets"). */
export const MEMORY_TOLERANCE = 20;

function newTally(): Tally {
  return { busy: 0, requests: 0, bytes: 0, latencies: [], errors: {} };
}

function countError(t: Tally, e: unknown): void {
  const raw = messageOf(e);
  const m = (/^HTTP [0-9]{3}$/.test(raw) ? raw : raw.replace(/[0-9]+/g, "N")).slice(0, 80);
  t.errors[m] = (t.errors[m] ?? 0) + 1;
}

async function echoWorker(target: Target, t: Tally, until: number, rng: () => number): Promise<void> {
  let r: Reader | null = null;
  while (Date.now() < until) {
    if (!r) {
      r = await Reader.open(target.endpoint("echo")).catch(() => null);
      if (!r) {
        t.busy++;
        await sleep(100);
        continue;
      }
    }
    try {
      const msg = randomBytes(rng, 64);
      const t0 = performance.now();
      await r.write(msg);
      const back = await r.bytes(64, 5000);
      if (!back.equals(msg)) throw new Error("echo differs");
      t.latencies.push(performance.now() - t0);
      t.requests++;
      t.bytes += 128;
    } catch (e) {
      countError(t, e);
      r?.close();
      r = null;
      await sleep(100);
    }
  }
  r?.close();
}

async function lineWorker(target: Target, t: Tally, until: number): Promise<void> {
  let c: LineClient | null = null;
  let i = 0;
  while (Date.now() < until) {
    if (!c) {
      // A refusal at connect (ERR EBUSY, a close) is the device keeping its budget, not an error.
      c = await LineClient.connect(target.endpoint("line")).catch(() => null);
      if (!c) {
        t.busy++;
        await sleep(100);
        continue;
      }
    }
    try {
      const cmd = i++ % 2 === 0 ? "READ" : "STATUS";
      const t0 = performance.now();
      const r = await c.command(cmd, 5000);
      if (!r.startsWith("OK")) throw new Error(`${cmd}: ${r.split(" ").slice(0, 2).join(" ")}`);
      t.latencies.push(performance.now() - t0);
      t.requests++;
      t.bytes += cmd.length + 1 + r.length + 2;
    } catch (e) {
      countError(t, e);
      c?.close();
      c = null;
      await sleep(100);
    }
  }
  c?.close();
}

const HTTP_PATHS = ["/api/status", "/api/led", "/api/samples", "/about"];

async function httpWorker(target: Target, t: Tally, until: number, k: number): Promise<void> {
  let i = k;
  while (Date.now() < until) {
    const path = HTTP_PATHS[i++ % HTTP_PATHS.length];
    const t0 = performance.now();
    try {
      const r = await httpGet(target.endpoint("http"), path, {}, { timeoutMs: 5000 });
      if (r.status === 503) {
        t.busy++;
        await sleep(50);
        continue;
      }
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      t.latencies.push(performance.now() - t0);
      t.requests++;
      t.bytes += 60 + r.body.length + 150;
    } catch (e) {
      countError(t, e);
      await sleep(100);
    }
  }
}

function figures(tallies: Tally[], clients: number, seconds: number): ServiceFigures {
  const lat: number[] = [];
  const errors: Record<string, number> = {};
  let requests = 0;
  let bytes = 0;
  let busy = 0;
  for (const t of tallies) {
    busy += t.busy;
    for (const l of t.latencies) lat.push(l);
    requests += t.requests;
    bytes += t.bytes;
    for (const k of Object.keys(t.errors)) errors[k] = (errors[k] ?? 0) + t.errors[k];
  }
  const s = summarize(lat);
  const round = (n: number): number => Math.round(n * 100) / 100;
  return {
    clients,
    requests,
    requestsPerSecond: round(requests / seconds),
    bytes,
    bytesPerSecond: Math.round(bytes / seconds),
    busy,
    latencyMs: { count: s.count, min: round(s.min), max: round(s.max), mean: round(s.mean), p50: round(s.p50), p95: round(s.p95), p99: round(s.p99) },
    errors,
  };
}

export function servicesFor(service: LoadService, clients: number): Svc[] {
  const order: Svc[] = ["echo", "line", "http"];
  const out: Svc[] = [];
  for (let i = 0; i < clients; i++) out.push(service === "mixed" ? order[i % 3] : service);
  return out;
}

export async function runLoad(
  target: Target,
  opts: { seconds: number; clients?: number; service: LoadService; seed?: number },
): Promise<{ results: CheckResult[]; summary: LoadSummary }> {
  const budget = clientSockets(target.board);
  // An HTTP client opens a connection per request, and a closing socket holds its slot for a
  // moment: by default leave it room, at the 3 clients the device always serves (docs/PROTOCOL.md,
  // "Guards").
  let clients = opts.clients ?? (opts.service === "http" || opts.service === "mixed" ? Math.min(budget, 3) : budget);
  if (clients > budget) {
    progress(`load: ${clients} clients asked, the ${target.board.name} board leaves ${budget} at once; using ${budget}`);
    clients = budget;
  }
  const rng = seededRng(opts.seed ?? 7);
  const freeBefore = await settledFreeVars(target, { tries: 3, gapMs: 200 });
  await sleep(300); // the reading's own connection is still closing on the device
  const svcs = servicesFor(opts.service, clients);
  const tallies = svcs.map(() => newTally());
  const t0 = Date.now();
  const until = t0 + opts.seconds * 1000;
  progress(`load: ${clients} clients (${svcs.join(", ")}) for ${opts.seconds} s; free before ${freeBefore ?? "unknown"}`);
  const ticker = setInterval(() => {
    const req = tallies.reduce((a, t) => a + t.requests, 0);
    const err = tallies.reduce((a, t) => a + Object.values(t.errors).reduce((x, y) => x + y, 0), 0);
    progress(`load: ${((Date.now() - t0) / 1000).toFixed(0)}/${opts.seconds} s, ${req} requests, ${err} errors`);
  }, 1000);
  try {
    await Promise.all(
      svcs.map((s, i) => (s === "echo" ? echoWorker(target, tallies[i], until, rng) : s === "line" ? lineWorker(target, tallies[i], until) : httpWorker(target, tallies[i], until, i))),
    );
  } finally {
    clearInterval(ticker);
  }
  const seconds = (Date.now() - t0) / 1000;
  const freeAfter = await settledFreeVars(target);
  const perService: LoadSummary["perService"] = {};
  for (const s of ["echo", "line", "http"] as Svc[]) {
    const idx = svcs.map((x, i) => (x === s ? i : -1)).filter((i) => i >= 0);
    if (idx.length) perService[s] = figures(idx.map((i) => tallies[i]), idx.length, seconds);
  }
  const total = figures(tallies, clients, seconds);
  const summary: LoadSummary = { service: opts.service, clients, seconds: Math.round(seconds * 10) / 10, perService, total, freeBefore, freeAfter };
  const results: CheckResult[] = [];
  for (const s of Object.keys(perService) as Svc[]) {
    const f = perService[s]!;
    const errs = Object.values(f.errors).reduce((a, b) => a + b, 0);
    results.push({
      name: `load.${s}`,
      outcome: f.requests > 0 && errs === 0 ? "pass" : "fail",
      detail: `${f.clients} clients: ${f.requests} requests (${f.requestsPerSecond}/s, ${Math.round(f.bytesPerSecond / 1024 * 10) / 10} KB/s), latency p50 ${f.latencyMs.p50} p95 ${f.latencyMs.p95} p99 ${f.latencyMs.p99} ms, ${f.busy ? `${f.busy} refused (no socket to spare), ` : ""}${errs} errors${errs ? ": " + Object.keys(f.errors).slice(0, 3).join("; ") : ""}`,
      ms: seconds * 1000,
      data: { ...f },
    });
  }
  const memOk = freeBefore !== null && freeAfter !== null && freeAfter >= freeBefore - MEMORY_TOLERANCE;
  results.push({
    name: "load.memory",
    outcome: memOk ? "pass" : "fail",
    detail: freeBefore === null || freeAfter === null ? "free variables could not be read (STATUS or /api/status)" : `free ${freeBefore} before, ${freeAfter} after (${freeAfter - freeBefore >= 0 ? "+" : ""}${freeAfter - freeBefore}; must be within ${MEMORY_TOLERANCE})`,
    ms: 0,
    data: { freeBefore, freeAfter },
  });
  return { results, summary };
}

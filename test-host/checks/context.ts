/*
 * What every check gets, how it says pass, fail or skip, and the runner that times each check
 * and turns whatever it throws into a row of the table. Checks run one after another: the
 * device has few sockets, and each check must find it as the previous one left it.
 */
import { HarnessError, messageOf } from "../errors.ts";
import { type CheckResult, progress } from "../report.ts";
import type { Target } from "../target.ts";
import { sleep } from "../tcp.ts";

export interface CheckContext {
  target: Target;
  /** Address of this machine as the device sees it (for UDP push and FETCH). */
  hostIp: string;
  quick: boolean;
  rng: () => number;
}

export interface CheckOutcome {
  detail: string;
  data?: Record<string, unknown>;
}

export interface Check {
  name: string;
  run(ctx: CheckContext): Promise<string | CheckOutcome>;
}

/** A check that found the device breaking its contract (docs/PROTOCOL.md, docs/WEB.md). */
export class CheckFailure extends Error {}
/** A check that cannot run against this target (said why, never counted as a pass). */
export class CheckSkip extends Error {}

export function fail(msg: string): never {
  throw new CheckFailure(msg);
}

export function expect(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new CheckFailure(msg);
}

/** A small seeded PRNG (mulberry32), so a failing run can be repeated byte for byte. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(rng: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rng() * 256);
  return b;
}

/** Runs checks in order; a thrown error is a failure (or a skip), with its message as the detail. */
export async function runChecks(checks: readonly Check[], ctx: CheckContext, settleMs = 150): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const c of checks) {
    const t0 = performance.now();
    let r: CheckResult;
    const gone = ctx.target.exited?.() ?? null;
    if (gone !== null) {
      results.push({ name: c.name, outcome: "fail", detail: `not run: ${gone.split("\n")[0].slice(0, 60)}…`, ms: 0 });
      continue;
    }
    try {
      const out = await c.run(ctx);
      const o = typeof out === "string" ? { detail: out } : out;
      r = { name: c.name, outcome: "pass", detail: o.detail, ms: performance.now() - t0, data: o.data };
    } catch (e) {
      const outcome = e instanceof CheckSkip ? "skip" : "fail";
      const prefix = e instanceof HarnessError && e.code !== "EPROTO" ? `${e.code}: ` : "";
      r = { name: c.name, outcome, detail: prefix + messageOf(e), ms: performance.now() - t0 };
      const died = ctx.target.exited?.() ?? null;
      if (died !== null) r.detail += ` (${died})`;
    }
    results.push(r);
    progress(`${r.outcome === "pass" ? "pass" : r.outcome === "fail" ? "FAIL" : "skip"} ${c.name} (${Math.round(r.ms)} ms)${r.outcome === "pass" ? "" : `: ${r.detail}`}`);
    // Closed sockets hold their slot until the device sees the close; give it a moment.
    await sleep(settleMs);
  }
  return results;
}

/*
 * Free variables of the device, read the way a client can: `STATUS` on the line protocol, or
 * `/api/status` when the line protocol does not answer. A reading opens and closes its own
 * connection, so the device is measured with no client of the harness holding memory.
 */
import { httpGet } from "./http-client.ts";
import { LineClient } from "./line-client.ts";
import type { Target } from "./target.ts";
import { sleep } from "./tcp.ts";

export async function readFreeVars(target: Target): Promise<number | null> {
  try {
    const c = await LineClient.connect(target.endpoint("line"), 3000);
    try {
      return (await c.status()).free;
    } finally {
      c.close();
    }
  } catch {
    try {
      const r = await httpGet(target.endpoint("http"), "/api/status");
      const j = JSON.parse(r.body.toString("utf8")) as { free?: unknown };
      return typeof j.free === "number" ? j.free : null;
    } catch {
      return null;
    }
  }
}

/**
 * Milliseconds the device may keep code loaded for after its last use: a lazy module held
 * while used (the general HTTP parser, the line protocol) is dropped at the once-a-second tick
 * after a tick without use (docs/MEMORY.md rule 4).
 */
export const RELEASE_MS = 2500;

/**
 * Free variables once the device has settled: after RELEASE_MS, readings `gapMs` apart until
 * two agree within `tolerance` or `tries` run out; the highest reading (closing sockets free
 * memory late).
 */
export async function settledFreeVars(target: Target, opts: { tries?: number; gapMs?: number; tolerance?: number } = {}): Promise<number | null> {
  await sleep(RELEASE_MS);
  const tries = opts.tries ?? 5;
  const gap = opts.gapMs ?? 400;
  let best: number | null = null;
  let prev: number | null = null;
  for (let i = 0; i < tries; i++) {
    await sleep(gap);
    const f = await readFreeVars(target);
    if (f === null) continue;
    if (best === null || f > best) best = f;
    if (prev !== null && Math.abs(f - prev) <= (opts.tolerance ?? 2)) break;
    prev = f;
  }
  return best;
}

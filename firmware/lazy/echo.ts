/*
 * Lazy module `lazy:echo` (rollup.config.js, docs/MEMORY.md): TCP echo's connections. The
 * resident core loads it for the first echo client and drops it when the last has gone; UDP echo
 * is answered by the core itself.
 */
import { consoleLog } from "../platform/console.ts";
import { timers } from "../platform/timers.ts";
import type { Resident, ResidentService } from "../platform/types.ts";
import { ECHO_IDLE_MS, EchoTcp } from "../services/echo-server.ts";
import { ServiceSlot } from "../services/service-slot.ts";

/** TCP echo as service `k` of the core; `fixed` sockets are never for clients. */
export function start(r: Resident, k: number, fixed: number): ResidentService {
  const v = new ServiceSlot(r, k, fixed);
  v.in_ = new EchoTcp({ log: consoleLog, budget: v, timers: timers, idleMs: ECHO_IDLE_MS });
  return v;
}

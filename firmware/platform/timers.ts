/*
 * Espruino's timer functions behind the Timers interface, and the uptime clock. getTime() is
 * seconds since boot on the ESP8266 but the system time on Linux, so uptime is counted from a
 * reading taken at boot (Resident.t0_): one reading for the whole device, because a lazy module
 * runs its own top level each time it is loaded.
 */
import type { Timers } from "./types.ts";

/** Espruino's own (native) timer functions, not wrappers: a wrapper closure costs variables. */
export const timers: Timers = {
  setTimeout: setTimeout,
  setInterval: setInterval,
  clearTimeout: clearTimeout,
  clearInterval: clearInterval,
};

/** Milliseconds since `t0` (a getTime() reading, in seconds). */
export function uptimeSince(t0: number): number {
  return Math.floor((getTime() - t0) * 1000);
}

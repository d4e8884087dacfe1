/*
 * Espruino's timer functions behind the Timers interface, and the uptime clock (getTime() is
 * seconds since boot as a float on the ESP8266; the offset taken at load keeps it from boot on
 * a board whose clock was set).
 */
import type { Clock, Timers } from "./types.ts";

/** Espruino's own (native) timer functions, not wrappers: a wrapper closure costs variables. */
export const timers: Timers = {
  setTimeout: setTimeout,
  setInterval: setInterval,
  clearTimeout: clearTimeout,
  clearInterval: clearInterval,
};

const BOOT = getTime();

/**
 * Milliseconds since this bundle's top level ran. In the resident core that is boot; a lazy
 * module runs its own top level when it is loaded, so it reads the core's clock instead
 * (uptimeSince with Resident.t0_).
 */
export const uptimeMs: Clock = () => Math.floor((getTime() - BOOT) * 1000);

/** Milliseconds since `t0` (a getTime() reading, in seconds). */
export function uptimeSince(t0: number): number {
  return Math.floor((getTime() - t0) * 1000);
}

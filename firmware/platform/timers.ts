/*
 * Espruino's timer functions behind the Timers interface, and the uptime clock (getTime() is
 * seconds since boot as a float on the ESP8266; the offset taken at load keeps it from boot on
 * a board whose clock was set).
 */
import type { Clock, Timers } from "./types.ts";

export const timers: Timers = {
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  setInterval: (cb, ms) => setInterval(cb, ms),
  clearTimeout: (id) => clearTimeout(id),
  clearInterval: (id) => clearInterval(id),
};

const BOOT = getTime();

export const uptimeMs: Clock = () => Math.floor((getTime() - BOOT) * 1000);

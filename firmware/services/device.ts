/*
 * The device state every service reads (contracts.ts, Device): name and version, uptime, memory,
 * the LED, A0, open clients (the socket budget's count), Wi-Fi, and the low-memory guard, which
 * says "low" when free variables fall under `lowVars` (docs/PROTOCOL.md gives the figure).
 */
import type { Device, SocketBudget, WifiState } from "./contracts.ts";
import type { Clock, Pins, WifiLink } from "../platform/types.ts";

export interface DeviceParts {
  name: string;
  version: string;
  clock: Clock;
  pins: Pins;
  wifi: WifiLink;
  budget: SocketBudget;
  freeVars: () => number;
  totalVars: () => number;
  lowVars: number;
}

/** Builds the Device from its parts' own functions (no wrapper closures: each costs RAM on Espruino). */
export function createDevice(p: DeviceParts): Device {
  const pins = p.pins;
  const wifi = p.wifi;
  const budget = p.budget;
  const free = p.freeVars;
  const low = p.lowVars;
  return {
    name: p.name,
    version: p.version,
    uptimeMs: p.clock,
    freeVars: free,
    totalVars: p.totalVars,
    led: pins.led,
    setLed: pins.setLed,
    readA0: pins.readA0,
    clients: () => budget.inUse(),
    wifiState: wifi.state as () => WifiState,
    ip: wifi.ip,
    rssi: wifi.rssi,
    lowMemory: () => free() < low,
  };
}

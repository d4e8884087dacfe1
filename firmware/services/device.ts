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

export function createDevice(p: DeviceParts): Device {
  return {
    name: p.name,
    version: p.version,
    uptimeMs: p.clock,
    freeVars: p.freeVars,
    totalVars: p.totalVars,
    led: () => p.pins.led(),
    setLed: (on: boolean) => p.pins.setLed(on),
    readA0: () => p.pins.readA0(),
    clients: () => p.budget.inUse(),
    wifiState: (): WifiState => p.wifi.state(),
    ip: () => p.wifi.ip(),
    rssi: () => p.wifi.rssi(),
    lowMemory: () => p.freeVars() < p.lowVars,
  };
}

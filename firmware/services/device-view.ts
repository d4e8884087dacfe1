/*
 * The device and its history as the services read them (contracts.ts: Device, History), over the
 * resident core's one object (platform/resident.ts). It is its own lazy module (`lazy:device`),
 * made by the core for the first line or web client and shared by both services while either is
 * loaded (the core lets it go a second after neither is), so its methods are in RAM once, not
 * once per service. Subscribers of the history get each new sample (`tick_`, called by the
 * core's sampler); one that throws is logged and the others still get theirs.
 */
import { DEVICE_NAME, FIRMWARE_VERSION, VARS_TOTAL } from "board-config";
import { ringGet, ringSize } from "../../lib/sample-ring.ts";
import { consoleLog } from "../platform/console.ts";
import { freeVars, totalVars } from "../platform/memory.ts";
import { driveLed, readA0 } from "../platform/pins.ts";
import { uptimeSince } from "../platform/timers.ts";
import type { Resident } from "../platform/types.ts";
import { wifiIp, wifiRssi } from "../platform/wifi.ts";
import type { Device, History, Sample, WifiState } from "./contracts.ts";

export class DeviceView implements Device, History {
  readonly name: string;
  readonly version: string;
  r_: Resident;
  su_: Array<(s: Sample) => void>;
  /** Free variables now (the platform's function itself, not a method that calls it). */
  freeVars: () => number;

  constructor(r: Resident) {
    this.r_ = r;
    this.name = DEVICE_NAME;
    this.version = FIRMWARE_VERSION;
    this.su_ = [];
    this.freeVars = freeVars;
  }

  tick_(): void {
    const subs = this.su_;
    if (subs.length === 0) return;
    const s = ringGet(this.r_, 0) as Sample;
    for (let i = 0; i < subs.length; i++) {
      try {
        subs[i](s);
      } catch (e) {
        consoleLog("sampler: subscriber failed: " + e);
      }
    }
  }

  // History
  forEach(cb: (s: Sample) => void): void {
    for (let age = ringSize(this.r_) - 1; age >= 0; age--) cb(ringGet(this.r_, age) as Sample);
  }

  size(): number {
    return ringSize(this.r_);
  }

  subscribe(cb: (s: Sample) => void): () => void {
    const subs = this.su_;
    subs.push(cb);
    return function () {
      const i = subs.indexOf(cb);
      if (i >= 0) subs.splice(i, 1);
    };
  }

  // Device
  uptimeMs(): number {
    return uptimeSince(this.r_.t0_);
  }

  totalVars(): number {
    return totalVars();
  }

  led(): number {
    return this.r_.led_;
  }

  setLed(on: boolean): number {
    const v = on ? 1 : 0;
    this.r_.led_ = v;
    driveLed(v);
    return v;
  }

  readA0(): number {
    return readA0(uptimeSince(this.r_.t0_));
  }

  clients(): number {
    return this.r_.used_;
  }

  wifiState(): WifiState {
    return this.r_.wifi_;
  }

  ip(): string {
    return wifiIp(this.r_.wifi_);
  }

  rssi(): number | null {
    return wifiRssi(this.r_.wifi_);
  }

  lowMemory(): boolean {
    return freeVars() < VARS_TOTAL / 10;
  }
}

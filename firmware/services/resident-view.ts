/*
 * A lazy service's view of the resident core (platform/resident.ts): the Device, History and
 * SocketBudget the services take (contracts.ts), over the one Resident object. It is made when a
 * service's lazy module is loaded and goes with it, so the device holds none of these methods
 * while the service has no clients. It is also what the core holds of the loaded service: it
 * hands sockets to the service (`in_`), counts the sockets the service takes (the whole board's
 * budget: SPEC.md "Ports", one always kept in reserve) and lets the core drop the service when
 * its last socket is given back. Subscribers of the history get each new sample (`tick_`); one
 * that throws is logged and the others still get theirs.
 */
import { DEVICE_NAME, FIRMWARE_VERSION, SOCKET_BUDGET, VARS_TOTAL } from "board-config";
import { ringGet, ringSize } from "../../lib/sample-ring.ts";
import { consoleLog } from "../platform/console.ts";
import { freeVars, totalVars } from "../platform/memory.ts";
import { driveLed, readA0 } from "../platform/pins.ts";
import { uptimeSince } from "../platform/timers.ts";
import type { Resident, ResidentService, Socket } from "../platform/types.ts";
import { wifiIp, wifiRssi } from "../platform/wifi.ts";
import type { Device, History, Sample, SocketBudget, WifiState } from "./contracts.ts";

/** What a loaded service does with a socket (and whether it must stay loaded without clients). */
export interface Inner {
  accept(s: Socket): void;
  busy?(): boolean;
  say?(text: string): number;
}

/**
 * What the core holds of a loaded service, and the socket budget the service takes: enough for
 * TCP echo, which needs nothing else of the device (each method is RAM while loaded).
 */
export class ServiceSlot implements SocketBudget, ResidentService {
  r_: Resident;
  k_: number;
  n_: number;
  /** Sockets held for the device's life (listeners, console): the rest are for clients. */
  fx_: number;
  in_: Inner | null;

  /** The slot of service `k` (its index in r.svc_); `fixed` sockets are never for clients. */
  constructor(r: Resident, k: number, fixed: number) {
    this.r_ = r;
    this.k_ = k;
    this.n_ = 0;
    this.fx_ = fixed;
    this.in_ = null;
  }

  // ResidentService
  accept(s: Socket): void {
    if (this.in_ !== null) this.in_.accept(s);
  }

  busy(): boolean {
    const i = this.in_;
    return i !== null && i.busy !== undefined && i.busy();
  }

  tick_(): void {
    // TCP echo has no use for samples.
  }

  say_(text: string): number {
    const i = this.in_;
    return i !== null && i.say !== undefined ? i.say(text) : 0;
  }

  // SocketBudget
  acquire(): boolean {
    const r = this.r_;
    if (this.fx_ + r.used_ + 1 >= SOCKET_BUDGET) return false;
    r.used_++;
    this.n_++;
    return true;
  }

  release(): void {
    const r = this.r_;
    if (this.n_ > 0) {
      this.n_--;
      r.used_--;
    }
    if (this.n_ === 0 && !this.busy() && r.svc_[this.k_] === this) r.svc_[this.k_] = null;
  }

  inUse(): number {
    return this.r_.used_;
  }
}

/** The slot with the device and its history, for the line protocol and the web server. */
export class ResidentView extends ServiceSlot implements Device, History {
  readonly name: string;
  readonly version: string;
  su_: Array<(s: Sample) => void>;
  /** Free variables now (the platform's function itself, not a method that calls it). */
  freeVars: () => number;

  constructor(r: Resident, k: number, fixed: number) {
    super(r, k, fixed);
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

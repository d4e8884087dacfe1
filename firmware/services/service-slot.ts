/*
 * What the resident core (platform/resident.ts) holds of a loaded service, made by the service's
 * lazy module and gone with it: it hands sockets to the service (`in_`), counts the sockets the
 * service takes against the whole board's budget (SPEC.md "Ports", one always kept in reserve)
 * and lets the core drop the service when its last socket is given back. Few methods, because
 * each is RAM while the service is loaded; the device and its history are one DeviceView for
 * every service (services/device-view.ts).
 */
import { SOCKET_BUDGET } from "board-config";
import type { Resident, ResidentService, Socket } from "../platform/types.ts";
import type { SocketBudget } from "./contracts.ts";

/** What a loaded service does with a socket (and whether it must stay loaded without clients). */
export interface Inner {
  accept(s: Socket): void;
  busy?(): boolean;
  say?(text: string): number;
}

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
    if (this.n_ > 0 || this.busy() || r.svc_[this.k_] !== this) return;
    r.svc_[this.k_] = null;
    // The last service gone: let the device view go too (the sampler also does, a second later,
    // after a service that refused its only client).
    for (let i = 0; i < r.svc_.length; i++) if (r.svc_[i] !== null) return;
    r.dev_ = null;
  }

  inUse(): number {
    return this.r_.used_;
  }
}

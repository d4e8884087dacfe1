/*
 * A service whose code is loaded only while it has clients (docs/MEMORY.md). The listener hands
 * each socket to accept(); the first one loads the service with `make`, which gets this object as
 * its socket budget, so every socket the service acquires and releases is counted. When the count
 * is back to 0 and the service is not busy (a UDP push keeps the line service), it is dropped and
 * Espruino frees its functions and objects. One class for every such service: its methods exist
 * once, each instance is a handful of variables.
 */
import type { SocketBudget } from "./contracts.ts";
import type { Socket } from "../platform/types.ts";

export interface LoadedService {
  accept(s: Socket): void;
  /** True while the service must stay loaded without clients. */
  busy?(): boolean;
}

export class LazyService<S extends LoadedService> implements SocketBudget {
  /** The loaded service, or null. */
  svc_: S | null;
  private n_: number;
  private b_: SocketBudget;
  private make_: (budget: SocketBudget) => S;
  private gc_: () => void;

  /** `gc` runs after each load: the parse leaves garbage that would mislead the low-memory guard. */
  constructor(budget: SocketBudget, make: (budget: SocketBudget) => S, gc: () => void) {
    this.svc_ = null;
    this.n_ = 0;
    this.b_ = budget;
    this.make_ = make;
    this.gc_ = gc;
  }

  accept(s: Socket): void {
    if (this.svc_ === null) {
      this.svc_ = this.make_(this);
      this.gc_();
    }
    this.svc_.accept(s);
    this.drop_();
  }

  acquire(): boolean {
    const ok = this.b_.acquire();
    if (ok) this.n_++;
    return ok;
  }

  release(): void {
    this.b_.release();
    this.n_--;
    this.drop_();
  }

  inUse(): number {
    return this.b_.inUse();
  }

  private drop_(): void {
    const s = this.svc_;
    if (this.n_ > 0 || (s !== null && s.busy && s.busy())) return;
    this.n_ = 0;
    this.svc_ = null;
  }
}

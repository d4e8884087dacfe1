/*
 * A service whose code is loaded only while it has clients (docs/MEMORY.md). The listener hands
 * each socket to accept(); the first one loads the service with `make`, which gets this object as
 * its socket budget, so every socket the service acquires and releases is counted. When the count
 * is back to 0 and the service is not busy (a UDP push keeps the line service), it is dropped and
 * Espruino frees its functions and objects. A client that arrives when fewer than `need`
 * variables are free is refused without loading anything (loading would run the interpreter out
 * of memory, which Espruino may not survive): `ERR EBUSY` on the line protocol, 503 on HTTP.
 * One class for every such service: its methods exist once, each instance is a few variables.
 */
import type { SocketBudget } from "./contracts.ts";
import { consoleLog } from "../platform/console.ts";
import { collectGarbage, freeVars } from "../platform/memory.ts";
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
  private name_: string;
  private need_: number;

  /** `name` is "line", "echo" or "http"; `need` the free variables loading and a first client take. */
  constructor(budget: SocketBudget, name: string, need: number, make: (budget: SocketBudget) => S) {
    this.svc_ = null;
    this.n_ = 0;
    this.b_ = budget;
    this.make_ = make;
    this.name_ = name;
    this.need_ = need;
  }

  /** The listener's callback (bound to this object: a bound function keeps no scope alive). */
  accept(s: Socket): void {
    try {
      if (this.svc_ === null) {
        // The parse of a module leaves garbage that would mislead both checks: collect it first.
        collectGarbage();
        if (freeVars() < this.need_) {
          const n = this.name_;
          consoleLog(n + ": refused, too little memory to load");
          s.end(n === "http" ? "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 2\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" : n === "line" ? "ERR EBUSY low memory\r\n" : "");
          return;
        }
        this.svc_ = this.make_(this);
        collectGarbage();
      }
      this.svc_.accept(s);
      this.release(true);
    } catch (e) {
      consoleLog(this.name_ + ": accept failed: " + e);
    }
  }

  acquire(): boolean {
    const ok = this.b_.acquire();
    if (ok) this.n_++;
    return ok;
  }

  /**
   * Gives a socket back (`check`: only see whether the service can be dropped, as accept() does
   * after handing a socket over); drops the service when it has no sockets and is not busy.
   */
  release(check?: boolean): void {
    if (!check) {
      this.b_.release();
      this.n_--;
    }
    const v = this.svc_;
    if (this.n_ > 0 || (v !== null && v.busy && v.busy())) return;
    this.n_ = 0;
    this.svc_ = null;
  }

  inUse(): number {
    return this.b_.inUse();
  }
}

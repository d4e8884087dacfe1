/*
 * The open connections of one server, for broadcasts and idle timeouts. A sweep runs every
 * `periodMs` only while the list is not empty; a connection quiet for longer than its limit
 * (and not exempt, e.g. streaming) is told to close by its own idle_().
 */
import type { Clock, Timers } from "../platform/types.ts";

export interface Conn {
  /** Uptime of the last byte received. */
  la_: number;
  /** True while the connection may stay quiet (a stream keeps it busy). */
  busy_(): boolean;
  /** Closes the connection for idleness. */
  idle_(): void;
}

export class ConnList<C extends Conn> {
  list: C[];
  private t_: Timers;
  private clock_: Clock;
  private limit_: number;
  private period_: number;
  private sweep_: number;

  constructor(timers: Timers, clock: Clock, limitMs: number, periodMs: number) {
    this.list = [];
    this.t_ = timers;
    this.clock_ = clock;
    this.limit_ = limitMs;
    this.period_ = periodMs;
    this.sweep_ = 0;
  }

  add(c: C): void {
    this.list.push(c);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
    const self = this;
    if (this.sweep_ === 0) this.sweep_ = this.t_.setInterval(function () { self.check_(); }, this.period_);
  }

  remove(c: C): void {
    const i = this.list.indexOf(c);
    if (i >= 0) this.list.splice(i, 1);
    if (this.list.length === 0 && this.sweep_ !== 0) {
      this.t_.clearInterval(this.sweep_);
      this.sweep_ = 0;
    }
  }

  private check_(): void {
    const now = this.clock_();
    const l = this.list.slice();
    for (let i = 0; i < l.length; i++) {
      if (!l[i].busy_() && now - l[i].la_ > this.limit_) l[i].idle_();
    }
  }
}

/*
 * Echo, RFC 862, over TCP: every byte comes back unchanged, binary-safe, in order.
 *
 * TCP: bytes echoed are counted and, once that count passes the bound, the bytes not yet sent
 * are read exactly from Espruino's send buffer (platform/socket-held.ts) and the count starts
 * again from them. A client that sends without reading makes it grow; past MAX_UNSENT bytes it
 * is closed, so no client can make the device hold more than about 2 KB. Each connection takes a
 * socket from the budget; the one too many is closed at once. A connection quiet for `idleMs` is
 * closed: a sweep every SWEEP_MS (running while there are connections) counts each one's quiet
 * sweeps. The caller listens and hands each socket to accept() (the firmware's resident core
 * does). UDP echo has no state and is answered by the resident core itself (platform/resident.ts).
 *
 * Memory (docs/MEMORY.md, rule 7): a connection is its socket. What it needs is kept on the
 * socket and only once it is not 0 (an absent field costs nothing): an idle connection is the
 * socket, its `data` and `close` listeners (one function of the server, shared by every socket),
 * its place in the list and its count of quiet sweeps. There is no `drain` listener (the count is
 * corrected from the send buffer instead) and no `error` listener (Espruino drops an event
 * nobody listens to, and the `close` that follows an error frees the connection). Everything
 * done to a connection goes through one dispatcher, EchoTcp.x_(s, op, a).
 */
import type { SocketBudget } from "./contracts.ts";
import { heldBytes } from "../platform/socket-held.ts";
import type { Log, Socket, Timers } from "../platform/types.ts";

/** Bytes echoed but not yet handed to the network, past which a connection is closed (SPEC.md: at most 2 KB). */
export const MAX_UNSENT = 2048;
export const ECHO_IDLE_MS = 120000;
/** The idle sweep's period; an idle limit that is a multiple of it is kept to the millisecond of a sweep. */
export const SWEEP_MS = 5000;

/** The dispatcher's operations (EchoTcp.x_): bytes `a` received, end, the socket is gone, the idle sweep, end them all. */
export const DATA = 0;
export const END = 1;
export const GONE = 2;
export const SWEEP = 3;
export const CLOSE = 4;

export interface EchoOptions {
  log: Log;
  budget: SocketBudget;
  timers: Timers;
  idleMs: number;
}

/** An echo connection: its socket, with the fields it needs once they are not 0. */
export type EchoSocket = Socket & {
  /** Sweeps since the last byte received (or the accept). */
  i_?: number;
  /** Bytes written since the count was last corrected from the send buffer. */
  u_?: number;
  /** 1 once gone (its socket given back). */
  g_?: number;
};

/** TCP echo's connections: the caller listens and hands each socket to accept(). */
export class EchoTcp {
  o_: EchoOptions;
  /** The open connections. */
  l_: EchoSocket[];
  /** The idle sweep's timer, 0: none. */
  w_: number;
  /**
   * The one function for every connection's `data` (a string: `this` is the socket) and `close`
   * (a boolean) and for the sweep's timer (no argument): one function instead of three.
   */
  e_: (this: EchoSocket, a?: string | boolean) => void;

  constructor(o: EchoOptions) {
    this.o_ = o;
    this.l_ = [];
    this.w_ = 0;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
    const self = this;
    this.e_ = function (this: EchoSocket, a?: string | boolean) {
      if (typeof a === "string") self.x_(this, DATA, a);
      // The list is never empty while the sweep runs; its first socket stands for "no connection".
      else if (a === undefined) self.x_(self.l_[0], SWEEP, "");
      else self.x_(this, GONE, "");
    };
  }

  accept(s: Socket): void {
    const o = this.o_;
    if (!o.budget.acquire()) {
      o.log("echo: refused, no socket");
      s.end();
      return;
    }
    s.on("data", this.e_);
    s.on("close", this.e_);
    this.l_.push(s);
    if (this.w_ === 0) this.w_ = o.timers.setInterval(this.e_, SWEEP_MS);
  }

  /**
   * Does `op` to connection `s`: DATA (echo `a`, or close a client not reading), END it, GONE
   * (its socket is gone: give it back, once), SWEEP (end the connections quiet for the idle
   * limit; `s` unused) or CLOSE (end every connection; `s` unused).
   */
  x_(s: EchoSocket, op: number, a: string): void {
    const o = this.o_;
    try {
      if (op === DATA) {
        if (s.g_) return;
        s.i_ = 0;
        let u = (s.u_ || 0) + a.length;
        if (u > MAX_UNSENT) u = heldBytes(s, u - a.length) + a.length;
        s.u_ = u;
        if (u > MAX_UNSENT) {
          o.log("echo: client not reading, closed");
          this.x_(s, END, "");
          return;
        }
        s.write(a);
      } else if (op === END) {
        try {
          s.end();
        } catch (e) {
          this.x_(s, GONE, "");
        }
      } else if (op === GONE) {
        if (s.g_) return;
        s.g_ = 1;
        const l = this.l_;
        const i = l.indexOf(s);
        if (i >= 0) l.splice(i, 1);
        if (l.length === 0 && this.w_ !== 0) {
          o.timers.clearInterval(this.w_);
          this.w_ = 0;
        }
        o.budget.release();
      } else {
        const l = this.l_.slice();
        for (let i = 0; i < l.length; i++) {
          const c = l[i];
          if (op === CLOSE) this.x_(c, END, "");
          else {
            // Quiet for i_ sweeps: for more than i_ - 1 periods.
            c.i_ = (c.i_ || 0) + 1;
            if ((c.i_ - 1) * SWEEP_MS >= o.idleMs) this.x_(c, END, "");
          }
        }
      }
    } catch (e) {
      o.log("echo: " + e);
      if (op === DATA) this.x_(s, GONE, "");
    }
  }
}

/*
 * Echo, RFC 862, over TCP: every byte comes back unchanged, binary-safe, in order.
 *
 * TCP: what is echoed but not yet sent is counted until the next `drain` (Espruino fires it when
 * its send buffer is empty) and, once that count passes the bound, read exactly from Espruino's
 * send buffer (platform/socket-held.ts). A client that sends without reading makes it grow; past
 * MAX_UNSENT bytes it is closed, so no client can make the device hold more than about 2 KB.
 * Each connection takes a socket from the budget; the one too many is closed at once. A
 * connection quiet for ECHO_IDLE_MS is closed. Listeners are shared functions that keep their
 * state on the socket, so an idle connection costs little more than the socket itself.
 * The caller listens and hands each socket to accept() (the firmware's resident core does).
 * UDP echo has no state and is answered by the resident core itself (platform/resident.ts).
 */
import type { SocketBudget } from "./contracts.ts";
import { ConnList } from "./conn-list.ts";
import { heldBytes } from "../platform/socket-held.ts";
import type { Clock, Log, Socket, Timers } from "../platform/types.ts";

/** Bytes echoed but not yet handed to the network, past which a connection is closed (SPEC.md: at most 2 KB). */
export const MAX_UNSENT = 2048;
export const ECHO_IDLE_MS = 120000;
const SWEEP_MS = 5000;

export interface EchoOptions {
  log: Log;
  budget: SocketBudget;
  timers: Timers;
  clock: Clock;
  idleMs: number;
}

class EchoConn {
  s_: Socket;
  srv_: EchoTcp;
  la_: number;
  un_: number;
  cl_: boolean;

  constructor(s: Socket, srv: EchoTcp) {
    this.s_ = s;
    this.srv_ = srv;
    this.la_ = srv.o_.clock();
    this.un_ = 0;
    this.cl_ = false;
  }

  busy_(): boolean {
    return false;
  }

  idle_(): void {
    this.end_();
  }

  end_(): void {
    try {
      this.s_.end();
    } catch (e) {
      this.gone_();
    }
  }

  data_(d: string): void {
    if (this.cl_) return;
    this.la_ = this.srv_.o_.clock();
    this.un_ += d.length;
    if (this.un_ > MAX_UNSENT) this.un_ = heldBytes(this.s_, this.un_ - d.length) + d.length;
    if (this.un_ > MAX_UNSENT) {
      this.srv_.o_.log("echo: client not reading, closed");
      this.end_();
      return;
    }
    this.s_.write(d);
  }

  gone_(): void {
    if (this.cl_) return;
    this.cl_ = true;
    this.srv_.conns_.remove(this);
    this.srv_.o_.budget.release();
  }
}

type EchoSocket = Socket & { e_?: EchoConn };

function onData(this: EchoSocket, d: string): void {
  const c = this.e_;
  if (!c) return;
  try {
    c.data_(d);
  } catch (e) {
    c.srv_.o_.log("echo: " + e);
    c.gone_();
  }
}

function onDrain(this: EchoSocket): void {
  if (this.e_) this.e_.un_ = 0;
}

function onClose(this: EchoSocket): void {
  if (this.e_) this.e_.gone_();
}

function onError(this: EchoSocket): void {
  // The close that follows frees the connection.
}

/** TCP echo's connections: the caller listens and hands each socket to accept(). */
export class EchoTcp {
  o_: EchoOptions;
  conns_: ConnList<EchoConn>;

  constructor(o: EchoOptions) {
    this.o_ = o;
    this.conns_ = new ConnList<EchoConn>(o.timers, o.clock, o.idleMs, SWEEP_MS);
  }

  accept(s: Socket): void {
    if (!this.o_.budget.acquire()) {
      this.o_.log("echo: refused, no socket");
      s.end();
      return;
    }
    const c = new EchoConn(s, this);
    (s as EchoSocket).e_ = c;
    s.on("data", onData);
    s.on("drain", onDrain);
    s.on("close", onClose);
    s.on("error", onError);
    this.conns_.add(c);
  }

  clients(): number {
    return this.conns_.list.length;
  }

  /** Ends every connection. */
  close(): void {
    const l = this.conns_.list.slice();
    for (let i = 0; i < l.length; i++) l[i].end_();
  }
}

/*
 * The line protocol on port 4444 (SPEC.md, "Line protocol"; docs/PROTOCOL.md): greeting, every
 * command, per-client STREAM, the device's UDP push, FETCH, AUTH, QUIT.
 *
 * Limits: a line is at most 128 bytes (E2BIG, the connection lives on); a client holds at most
 * one partial line. Replies not yet drained are counted; a client that lets them pass
 * MAX_UNSENT bytes is closed. Telemetry never blocks: a sample due while more than STREAM_HOLD
 * bytes are undrained is dropped and counted (`dropped` in STATUS), its seq is used up, so the
 * gap shows. A client quiet for `idleMs` and not streaming is closed (a sweep every SWEEP_MS runs
 * while there are clients; a limit that is a multiple of it is kept to the millisecond of a sweep). The one client too many for the socket budget, or any new client
 * while memory is low, gets `ERR EBUSY` and a close. Every handler catches and logs its
 * exceptions; the other clients and services go on.
 *
 * Memory (docs/MEMORY.md, rule 7): a function costs RAM while the module is loaded, whatever its
 * size, so everything done to a client goes through one dispatcher, LineServer.x_(client, op,
 * arg). A client is its socket: its fields (its framer state included) are kept on the socket,
 * each only once it is not 0, since an absent field costs nothing. The socket's `data` and `close`
 * listener is one function of the server, shared by every client, that finds the client as `this`.
 * There is no `drain` listener: the count of bytes written is corrected from the socket's send
 * buffer (platform/socket-held.ts) once it passes a bound. There is no `error` listener either:
 * Espruino drops an event nobody listens to, and the `close` that follows an error (its
 * `hadError` logged) frees the client. Idle time is counted in sweeps, not read from a clock.
 */
import { frameLines } from "../../lib/line-framer.ts";
import { encodeSampleCsv } from "../../lib/sample-csv.ts";
import type { Auth, Device, SocketBudget } from "./contracts.ts";
import type { HttpUrl } from "../../lib/http-url.ts";
import { takeSample } from "./take-sample.ts";
import { heldBytes } from "../platform/socket-held.ts";
import type { Log, Net, Socket, Timers } from "../platform/types.ts";

export const LINE_MAX = 128;
export const MAX_UNSENT = 1024;
export const STREAM_HOLD = 256;
export const LINE_IDLE_MS = 300000;
/** LineOptions.clientVars in the firmware: 160 (the guard on 1600 variables) + 170 measured (docs/MEMORY.md, round 6). */
export const LINE_CLIENT_VARS = 330;
const SWEEP_MS = 5000;

/** The dispatcher's operations (LineServer.x_). */
export const SEND = 0;
export const END = 1;
export const STOP = 2;
export const STREAM = 3;
export const LOG = 4;
const GONE = 5;
const TICK = 6;
const DATA = 7;
const SWEEP = 8;

/** The function that runs one complete line (line-commands.ts, runLine). */
export type RunLine = (srv: LineServer, c: Client, line: string) => void;

export interface LineOptions {
  /** Listens on `port` with `net`; without them the caller hands each socket to accept() (the firmware's resident core listens). */
  net?: Net;
  port: number;
  log: Log;
  device: Device;
  budget: SocketBudget;
  auth: Auth;
  timers: Timers;
  /** Gives the device's UDP push (udp-push.ts); called by the first UDP command (the firmware loads it then). */
  push: () => Push;
  /** Gives FETCH (fetch-service.ts); called by the first FETCH. */
  fetch: () => Fetch;
  idleMs: number;
  /**
   * Free variables a new client needs besides the low-memory guard (its own state, its replies
   * not yet sent and one command's working set); fewer and it is refused (`ERR EBUSY low memory`).
   */
  clientVars?: number;
  /**
   * Gives the function that runs one line (line-commands.ts, runLine). The firmware loads it
   * for each line from a lazy module and drops it after (docs/MEMORY.md); tests pass runLine.
   */
  commands: () => RunLine;
}

/** The device's UDP push (udp-push.ts). */
export interface Push {
  set(ip: string, port: number, ms: number): string;
  off(): string;
  active(): boolean;
}

/** FETCH (fetch-service.ts): `reply` gets one line. */
export interface Fetch {
  start(url: HttpUrl, reply: (line: string) => void): void;
}

/**
 * One line client: its socket, with the fields it needs once they are not 0 (an absent field
 * costs no memory; an idle client that has sent nothing holds i_ and un_ only).
 */
export type Client = Socket & {
  /** Idle sweeps since the last byte received (or the accept). */
  i_?: number;
  /** Bytes written since the count was last corrected from the send buffer (heldBytes). */
  un_?: number;
  /** Stream samples dropped. */
  dr_?: number;
  /** Stream and READ sequence numbers. */
  sq_?: number;
  rq_?: number;
  /** Stream timer; absent or 0: none. */
  st_?: number;
  au_?: boolean;
  /** Gone: its socket has been given back. */
  cl_?: boolean;
  /** Framer state (lib/line-framer.ts). */
  b_?: string;
  k_?: boolean;
};

export class LineServer {
  o_: LineOptions;
  /** The connected clients. */
  l_: Client[];
  /** The idle sweep's timer, 0: none. */
  w_: number;
  /** UDP push and FETCH, once a command has needed them. */
  pu_?: Push;
  fe_?: Fetch;
  /**
   * The one function for every client's `data` (a string: `this` is the socket) and `close`
   * (a boolean, hadError) and for the sweep's timer (no argument): one function instead of three.
   */
  e_: (this: Client, a?: string | boolean) => void;

  /** Listens on `o.port`; with port 0 it does not, and the caller hands each socket to accept(). */
  constructor(o: LineOptions) {
    this.o_ = o;
    this.l_ = [];
    this.w_ = 0;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
    const self = this;
    this.e_ = function (this: Client, a?: string | boolean) {
      if (typeof a === "string") self.x_(this, DATA, a);
      // The list is never empty while the sweep runs; its first client stands for "no client".
      else if (a === undefined) self.x_(self.l_[0], SWEEP, 0);
      else self.x_(this, GONE, a ? 1 : 0);
    };
    const net = o.net;
    if (o.port === 0 || net === undefined) return;
    net.listen(o.port, function (s: Socket) {
      self.accept(s);
    });
  }

  /** True while the server must stay loaded without clients: a UDP push is running. */
  busy(): boolean {
    return this.pu_ !== undefined && this.pu_.active();
  }

  accept(s: Socket): void {
    const o = this.o_;
    try {
      const low = o.device.lowMemory() || (o.clientVars !== undefined && o.device.freeVars() < o.clientVars);
      const why = low ? "low memory" : !o.budget.acquire() ? "no socket" : "";
      if (why !== "") {
        o.log("line " + (s.remoteAddress ? s.remoteAddress : "?") + ": refused, " + why);
        s.end("ERR EBUSY " + why + "\r\n");
        return;
      }
      s.on("data", this.e_);
      s.on("close", this.e_);
      this.l_.push(s);
      if (this.w_ === 0) this.w_ = o.timers.setInterval(this.e_, SWEEP_MS);
      this.x_(s, LOG, "connect");
      this.x_(s, SEND, "# " + o.device.name + " " + o.device.version + " ready");
    } catch (e) {
      o.log("line: accept failed: " + e);
    }
  }

  /** Sends `# say: <text>` to every line client; returns how many got it. */
  say(text: string): number {
    let t = "";
    for (let i = 0; i < text.length && t.length < 100; i++) {
      const ch = text.charCodeAt(i);
      t += ch < 32 || ch === 127 ? " " : text.charAt(i);
    }
    const l = this.l_;
    for (let i = 0; i < l.length; i++) this.x_(l[i], SEND, "# say: " + t);
    return l.length;
  }

  /**
   * Does `op` to client `c`: SEND a line (`a`; closes the client instead when it has not read
   * MAX_UNSENT bytes), END it, STOP its stream, STREAM every `a` ms, LOG `a`; and, inside this
   * file, GONE (the connection is gone, `a` 1 after a socket error: free what it held, once), TICK
   * (one stream sample), DATA (bytes `a` received) and SWEEP (close idle clients; `c` is unused).
   */
  x_(c: Client, op: number, a: string | number): void {
    const o = this.o_;
    try {
      if (op === LOG) {
        o.log("line " + (c.remoteAddress ? c.remoteAddress : "?") + ": " + a);
      } else if (op === SEND) {
        if (c.cl_) return;
        const line = a as string;
        const n = line.length + 2;
        let u = (c.un_ || 0) + n;
        if (u > MAX_UNSENT) u = heldBytes(c, u - n) + n;
        c.un_ = u;
        if (u > MAX_UNSENT) {
          this.x_(c, LOG, "not reading, closed");
          this.x_(c, END, 0);
          return;
        }
        try {
          c.write(line + "\r\n");
        } catch (e) {
          this.x_(c, GONE, 0);
        }
      } else if (op === TICK) {
        const seq = (c.sq_ = (c.sq_ || 0) + 1);
        if ((c.un_ || 0) > STREAM_HOLD) c.un_ = heldBytes(c, c.un_ || 0);
        if ((c.un_ || 0) > STREAM_HOLD) c.dr_ = (c.dr_ || 0) + 1;
        else this.x_(c, SEND, encodeSampleCsv(takeSample(o.device, seq)));
      } else if (op === DATA) {
        c.i_ = 0;
        // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
        const self = this;
        frameLines(c, LINE_MAX, a as string, function (err: string | null, line: string) {
          if (c.cl_) return;
          if (err !== null) self.x_(c, SEND, "ERR " + err + " line over " + LINE_MAX + " bytes");
          // The command code is loaded for this line (o_.commands) and dropped after.
          else o.commands()(self, c, line);
        });
      } else if (op === SWEEP) {
        const l = this.l_.slice();
        for (let i = 0; i < l.length; i++) {
          const t = l[i];
          // A streaming client may stay quiet. Quiet for i_ sweeps: for more than i_ - 1 periods.
          if (t.st_) continue;
          t.i_ = (t.i_ || 0) + 1;
          if ((t.i_ - 1) * SWEEP_MS >= o.idleMs) {
            this.x_(t, LOG, "idle timeout");
            this.x_(t, SEND, "# idle timeout");
            this.x_(t, END, 0);
          }
        }
      } else {
        // STOP, END, GONE, STREAM: each stops the stream first.
        if (op !== STOP && op !== STREAM && c.cl_) return;
        if (c.st_) {
          o.timers.clearInterval(c.st_);
          c.st_ = 0;
        }
        if (op === END) {
          try {
            c.end();
          } catch (e) {
            this.x_(c, GONE, 0);
          }
        } else if (op === GONE) {
          c.cl_ = true;
          const l = this.l_;
          const i = l.indexOf(c);
          if (i >= 0) l.splice(i, 1);
          if (l.length === 0 && this.w_ !== 0) {
            o.timers.clearInterval(this.w_);
            this.w_ = 0;
          }
          o.budget.release();
          this.x_(c, LOG, a ? "disconnect, socket error" : "disconnect");
        } else if (op === STREAM && !c.cl_) {
          c.sq_ = 0;
          // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
          const self = this;
          c.st_ = o.timers.setInterval(function () {
            self.x_(c, TICK, 0);
          }, a as number);
        }
      }
    } catch (e) {
      o.log("line: " + op + " failed: " + e);
    }
  }
}

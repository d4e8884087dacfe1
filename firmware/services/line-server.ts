/*
 * The line protocol on port 4444 (SPEC.md, "Line protocol"; docs/PROTOCOL.md): greeting, every
 * command, per-client STREAM, the device's UDP push, FETCH, AUTH, QUIT.
 *
 * Limits: a line is at most 128 bytes (E2BIG, the connection lives on); a client holds at most
 * one partial line. Replies not yet drained are counted; a client that lets them pass
 * MAX_UNSENT bytes is closed. Telemetry never blocks: a sample due while more than STREAM_HOLD
 * bytes are undrained is dropped and counted (`dropped` in STATUS), its seq is used up, so the
 * gap shows. A client quiet for `idleMs` and not streaming is closed (a sweep every SWEEP_MS runs
 * while there are clients). The one client too many for the socket budget, or any new client
 * while memory is low, gets `ERR EBUSY` and a close. Every handler catches and logs its
 * exceptions; the other clients and services go on.
 *
 * Memory (docs/MEMORY.md, rule 7): a function costs RAM while the module is loaded, whatever its
 * size, so a client is a plain object of fields (its framer state included) and everything done
 * to a client goes through one dispatcher, LineServer.x_(client, op, arg). Socket listeners are
 * shared functions that find their client through the socket (`this`).
 */
import { frameLines } from "../../lib/line-framer.ts";
import { encodeSampleCsv } from "../../lib/sample-csv.ts";
import type { Auth, Device, SocketBudget } from "./contracts.ts";
import type { HttpUrl } from "../../lib/http-url.ts";
import { takeSample } from "./take-sample.ts";
import { heldBytes } from "../platform/socket-held.ts";
import type { Log, Net, Socket, SocketError, Timers } from "../platform/types.ts";

export const LINE_MAX = 128;
export const MAX_UNSENT = 1024;
export const STREAM_HOLD = 256;
export const LINE_IDLE_MS = 300000;
/** LineOptions.clientVars in the firmware: 160 (the guard on 1600 variables) + 250 measured (docs/MEMORY.md). */
export const LINE_CLIENT_VARS = 410;
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

/** One line client: fields only (the dispatcher does the work). */
export interface Client {
  s_: Socket;
  /** Uptime of the last byte received. */
  la_: number;
  /** Bytes written and not known to be drained. */
  un_: number;
  /** Stream samples dropped. */
  dr_: number;
  /** Stream and READ sequence numbers. */
  sq_: number;
  rq_: number;
  /** Stream timer, 0: none. */
  st_: number;
  au_: boolean;
  cl_: boolean;
  /** Framer state (lib/line-framer.ts). */
  b_: string;
  k_: boolean;
}

type LineSocket = Socket & { c_?: Client; v_?: LineServer };

function onData(this: LineSocket, d: string): void {
  if (this.c_ && this.v_) this.v_.x_(this.c_, DATA, d);
}

function onDrain(this: LineSocket): void {
  if (this.c_) this.c_.un_ = 0;
}

function onClose(this: LineSocket): void {
  if (this.c_ && this.v_) this.v_.x_(this.c_, GONE, 0);
}

function onError(this: LineSocket, e: SocketError): void {
  if (this.c_ && this.v_) this.v_.x_(this.c_, LOG, "socket error " + e.code);
}

export class LineServer {
  o_: LineOptions;
  /** The connected clients. */
  l_: Client[];
  /** The idle sweep's timer, 0: none. */
  w_: number;
  /** UDP push and FETCH, once a command has needed them. */
  pu_: Push | null;
  fe_: Fetch | null;

  /** Listens on `o.port`; with port 0 it does not, and the caller hands each socket to accept(). */
  constructor(o: LineOptions) {
    this.o_ = o;
    this.l_ = [];
    this.w_ = 0;
    this.pu_ = null;
    this.fe_ = null;
    const net = o.net;
    if (o.port === 0 || net === undefined) return;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
    const self = this;
    net.listen(o.port, function (s: Socket) {
      self.accept(s);
    });
  }

  /** True while the server must stay loaded without clients: a UDP push is running. */
  busy(): boolean {
    return this.pu_ !== null && this.pu_.active();
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
      const c: Client = { s_: s, la_: o.device.uptimeMs(), un_: 0, dr_: 0, sq_: 0, rq_: 0, st_: 0, au_: false, cl_: false, b_: "", k_: false };
      (s as LineSocket).c_ = c;
      (s as LineSocket).v_ = this;
      s.on("data", onData);
      s.on("drain", onDrain);
      s.on("close", onClose);
      s.on("error", onError);
      this.l_.push(c);
      if (this.w_ === 0) {
        // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
        const self = this;
        this.w_ = o.timers.setInterval(function () {
          self.x_(c, SWEEP, 0);
        }, SWEEP_MS);
      }
      this.x_(c, LOG, "connect");
      this.x_(c, SEND, "# " + o.device.name + " " + o.device.version + " ready");
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
   * file, GONE (the connection is gone: free what it held, once), TICK (one stream sample),
   * DATA (bytes `a` received) and SWEEP (close idle clients; `c` is unused).
   */
  x_(c: Client, op: number, a: string | number): void {
    const o = this.o_;
    try {
      if (op === LOG) {
        o.log("line " + (c.s_.remoteAddress ? c.s_.remoteAddress : "?") + ": " + a);
      } else if (op === SEND) {
        if (c.cl_) return;
        const line = a as string;
        const n = line.length + 2;
        c.un_ += n;
        if (c.un_ > MAX_UNSENT) c.un_ = heldBytes(c.s_, c.un_ - n) + n;
        if (c.un_ > MAX_UNSENT) {
          this.x_(c, LOG, "not reading, closed");
          this.x_(c, END, 0);
          return;
        }
        try {
          c.s_.write(line + "\r\n");
        } catch (e) {
          this.x_(c, GONE, 0);
        }
      } else if (op === TICK) {
        const seq = ++c.sq_;
        if (c.un_ > STREAM_HOLD) c.un_ = heldBytes(c.s_, c.un_);
        if (c.un_ > STREAM_HOLD) c.dr_++;
        else this.x_(c, SEND, encodeSampleCsv(takeSample(o.device, seq)));
      } else if (op === DATA) {
        c.la_ = o.device.uptimeMs();
        // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
        const self = this;
        frameLines(c, LINE_MAX, a as string, function (err: string | null, line: string) {
          if (c.cl_) return;
          if (err !== null) self.x_(c, SEND, "ERR " + err + " line over " + LINE_MAX + " bytes");
          // The command code is loaded for this line (o_.commands) and dropped after.
          else o.commands()(self, c, line);
        });
      } else if (op === SWEEP) {
        const now = o.device.uptimeMs();
        const l = this.l_.slice();
        for (let i = 0; i < l.length; i++) {
          if (l[i].st_ === 0 && now - l[i].la_ > o.idleMs) {
            this.x_(l[i], LOG, "idle timeout");
            this.x_(l[i], SEND, "# idle timeout");
            this.x_(l[i], END, 0);
          }
        }
      } else {
        // STOP, END, GONE, STREAM: each stops the stream first.
        if (op !== STOP && op !== STREAM && c.cl_) return;
        if (c.st_ !== 0) o.timers.clearInterval(c.st_);
        c.st_ = 0;
        if (op === END) {
          try {
            c.s_.end();
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
          this.x_(c, LOG, "disconnect");
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

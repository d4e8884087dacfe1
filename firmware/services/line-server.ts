/*
 * The line protocol on port 4444 (SPEC.md, "Line protocol"; docs/PROTOCOL.md): greeting, every
 * command, per-client STREAM, the device's UDP push, FETCH, AUTH, QUIT.
 *
 * Limits: a line is at most 128 bytes (E2BIG, the connection lives on); the framer holds at most
 * one partial line. Replies not yet drained are counted; a client that lets them pass
 * MAX_UNSENT bytes is closed. Telemetry never blocks: a sample due while more than STREAM_HOLD
 * bytes are undrained is dropped and counted (`dropped` in STATUS), its seq is used up, so the
 * gap shows. A client quiet for `idleMs` and not streaming is closed. The one client too many
 * for the socket budget, or any new client while memory is low, gets `ERR EBUSY` and a close.
 * Every handler catches and logs its exceptions; the other clients and services go on.
 * Socket listeners are shared functions that find their client through the socket (`this`),
 * so an idle connection costs its socket, one client object and four listener slots.
 */
import { LineFramer } from "../../lib/line-framer.ts";
import { encodeSampleCsv } from "../../lib/sample-csv.ts";
import type { Auth, Device, SocketBudget } from "./contracts.ts";
import { ConnList } from "./conn-list.ts";
import type { HttpUrl } from "../../lib/http-url.ts";
import { takeSample } from "./sampler.ts";
import { heldBytes } from "../platform/socket-held.ts";
import type { Closable, Log, Net, Socket, SocketError, Timers } from "../platform/types.ts";

export const LINE_MAX = 128;
export const MAX_UNSENT = 1024;
export const STREAM_HOLD = 256;
export const LINE_IDLE_MS = 300000;
const SWEEP_MS = 5000;

export interface LineOptions {
  net: Net;
  port: number;
  log: Log;
  device: Device;
  budget: SocketBudget;
  auth: Auth;
  timers: Timers;
  push: Push;
  fetch: Fetch;
  idleMs: number;
  /**
   * Gives the function that runs one line (line-commands.ts, runLine). The firmware loads it
   * for each line from a lazy module and drops it after (docs/MEMORY.md); tests pass runLine.
   */
  commands: () => (c: Client, line: string) => void;
}

/** The device's UDP push (udp-push.ts, or a stand-in that loads it on first use). */
export interface Push {
  set(ip: string, port: number, ms: number): string;
  off(): string;
  active(): boolean;
}

/** FETCH (fetch-service.ts, or a stand-in that loads it on first use): `reply` gets one line. */
export interface Fetch {
  start(url: HttpUrl, reply: (line: string) => void): void;
}

type LineSocket = Socket & { c_?: Client };

/** The peer's address for logs, where the platform gives one. */
function peerOf(s: Socket): string {
  return s.remoteAddress ? s.remoteAddress : "?";
}

/** One line client; line-commands.ts runs its commands. */
export class Client extends LineFramer {
  s_: Socket;
  o_: LineOptions;
  srv_: LineServer;
  la_: number;
  un_: number;
  dr_: number;
  sq_: number;
  rq_: number;
  st_: number;
  au_: boolean;
  cl_: boolean;

  constructor(s: Socket, srv: LineServer) {
    super(LINE_MAX);
    this.s_ = s;
    this.srv_ = srv;
    this.o_ = srv.o_;
    this.la_ = this.o_.device.uptimeMs();
    this.un_ = 0;
    this.dr_ = 0;
    this.sq_ = 0;
    this.rq_ = 0;
    this.st_ = 0;
    this.au_ = false;
    this.cl_ = false;
  }

  busy_(): boolean {
    return this.st_ !== 0;
  }

  idle_(): void {
    this.log_("idle timeout");
    this.send_("# idle timeout");
    this.end_();
  }

  log_(what: string): void {
    this.o_.log("line " + peerOf(this.s_) + ": " + what);
  }

  /** Writes one line; closes the client instead when it has not read MAX_UNSENT bytes. */
  send_(line: string): void {
    if (this.cl_) return;
    const n = line.length + 2;
    this.un_ += n;
    if (this.un_ > MAX_UNSENT) this.un_ = heldBytes(this.s_, this.un_ - n) + n;
    if (this.un_ > MAX_UNSENT) {
      this.log_("not reading, closed");
      this.end_();
      return;
    }
    try {
      this.s_.write(line + "\r\n");
    } catch (e) {
      this.gone_();
    }
  }

  end_(): void {
    if (this.cl_) return;
    this.stop_();
    try {
      this.s_.end();
    } catch (e) {
      this.gone_();
    }
  }

  /** The connection is gone: free what it held. Runs once. */
  gone_(): void {
    if (this.cl_) return;
    this.cl_ = true;
    this.stop_();
    this.srv_.conns_.remove(this);
    this.o_.budget.release();
    this.log_("disconnect");
  }

  stop_(): void {
    if (this.st_ !== 0) this.o_.timers.clearInterval(this.st_);
    this.st_ = 0;
  }

  data_(d: string): void {
    this.la_ = this.o_.device.uptimeMs();
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
    const self = this;
    this.push(d, function (err: string | null, line: string) {
      if (self.cl_) return;
      if (err !== null) self.send_("ERR " + err + " line over " + LINE_MAX + " bytes");
      // The command code is loaded for this line (o_.commands) and dropped after.
      else self.o_.commands()(self, line);
    });
  }

  tick_(): void {
    const seq = ++this.sq_;
    if (this.un_ > STREAM_HOLD) this.un_ = heldBytes(this.s_, this.un_);
    if (this.un_ > STREAM_HOLD) {
      this.dr_++;
      return;
    }
    this.send_(encodeSampleCsv(takeSample(this.o_.device, seq)));
  }

  /** Starts (or restarts) this client's stream every `ms`; the timer's function lives here, not in the command code. */
  stream_(ms: number): void {
    this.stop_();
    if (this.cl_) return;
    this.sq_ = 0;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
    const self = this;
    const o = this.o_;
    this.st_ = o.timers.setInterval(function () {
      try {
        self.tick_();
      } catch (e) {
        o.log("line: stream failed: " + e);
      }
    }, ms);
  }
}

function onData(this: LineSocket, d: string): void {
  const c = this.c_;
  if (!c) return;
  try {
    c.data_(d);
  } catch (e) {
    c.o_.log("line: data failed: " + e);
  }
}

function onDrain(this: LineSocket): void {
  if (this.c_) this.c_.un_ = 0;
}

function onClose(this: LineSocket): void {
  if (this.c_) this.c_.gone_();
}

function onError(this: LineSocket, e: SocketError): void {
  if (this.c_) this.c_.log_("socket error " + e.code);
}

export class LineServer {
  o_: LineOptions;
  conns_: ConnList<Client>;
  private srv_: Closable | null;

  /** Listens on `o.port`; with port 0 it does not, and the caller hands each socket to accept(). */
  constructor(o: LineOptions) {
    this.o_ = o;
    this.conns_ = new ConnList<Client>(o.timers, o.device.uptimeMs, o.idleMs, SWEEP_MS);
    this.srv_ = null;
    if (o.port === 0) return;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
    const self = this;
    this.srv_ = o.net.listen(o.port, function (s: Socket) {
      try {
        self.accept(s);
      } catch (e) {
        o.log("line: accept failed: " + e);
      }
    });
  }

  /** True while the server must stay loaded without clients: a UDP push is running. */
  busy(): boolean {
    return this.o_.push.active();
  }

  accept(s: Socket): void {
    const o = this.o_;
    const why = o.device.lowMemory() ? "low memory" : !o.budget.acquire() ? "no socket" : "";
    if (why !== "") {
      o.log("line " + peerOf(s) + ": refused, " + why);
      s.end("ERR EBUSY " + why + "\r\n");
      return;
    }
    const c = new Client(s, this);
    (s as LineSocket).c_ = c;
    s.on("data", onData);
    s.on("drain", onDrain);
    s.on("close", onClose);
    s.on("error", onError);
    this.conns_.add(c);
    c.log_("connect");
    c.send_("# " + o.device.name + " " + o.device.version + " ready");
  }

  /** Sends `# say: <text>` to every line client; returns how many got it. */
  say(text: string): number {
    let t = "";
    for (let i = 0; i < text.length && t.length < 100; i++) {
      const ch = text.charCodeAt(i);
      t += ch < 32 || ch === 127 ? " " : text.charAt(i);
    }
    const l = this.conns_.list;
    for (let i = 0; i < l.length; i++) l[i].send_("# say: " + t);
    return l.length;
  }

  clients(): number {
    return this.conns_.list.length;
  }

  close(): void {
    if (this.srv_ !== null) this.srv_.close();
    const l = this.conns_.list.slice();
    for (let i = 0; i < l.length; i++) l[i].end_();
  }
}

/*
 * One HTTP connection of the web server: one request, one response, then a close (every answer
 * says `Connection: close`). Feeds the bounded parser (lib/http/request-parser.ts), answers a
 * head not complete within `timeoutMs` of the connect, or a body that stops arriving for
 * `timeoutMs`, with 408. Streams a response from a Source one piece per `drain` (Espruino's
 * write() queues in RAM and always returns false, so nothing more is queued until the last piece
 * has gone), so a response holds at most one piece in RAM whatever its size. A client that closes
 * mid-response stops the stream; writes after a close are caught, never thrown.
 */
import { ERROR, NEED_MORE, RequestParser } from "../../../lib/http/request-parser.ts";
import { errorBody, HTML_TYPE, JSON_TYPE, responseHead } from "../../../lib/http/response.ts";
import type { Socket, Timers } from "../../platform/types.ts";

/** A response body given piece by piece: `next(max)` gives about `max` bytes, or null at the end. */
export interface Source {
  next(max: number): string | null;
}

export interface ConnectionHost {
  timers: Timers;
  timeoutMs: number;
  chunk: number;
  /** Called once the request is complete. */
  dispatch(c: HttpConnection): void;
  /** Called once when the connection is closed (by either side). */
  closed(c: HttpConnection): void;
  log(line: string): void;
}

export class HttpConnection {
  p: HttpRequest;
  /** The status answered, 0 until then. */
  status: number;
  /** Called on each `drain` while no Source is streaming (the event stream uses it). */
  onDrain: (() => void) | null;
  /** Called once on close, after the stream stopped (the event stream and /setup use it). */
  onClose: (() => void) | null;
  private sock_: Socket;
  private host_: ConnectionHost;
  private src_: Source | null;
  private timer_: number;
  private closed_: boolean;
  private ended_: boolean;

  constructor(sock: Socket, host: ConnectionHost) {
    this.p = new RequestParser();
    this.status = 0;
    this.onDrain = null;
    this.onClose = null;
    this.sock_ = sock;
    this.host_ = host;
    this.src_ = null;
    this.timer_ = 0;
    this.closed_ = false;
    this.ended_ = false;
    this.arm_();
    // Espruino: no arrow function that uses `this` (docs/MEMORY.md, "arrows and this").
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
    const self = this;
    sock.on("data", function (d: string) { self.data_(d); });
    sock.on("drain", function () { self.drain_(); });
    sock.on("close", function () { self.close_(); });
    sock.on("error", () => undefined);
  }

  /** (Re)starts the 408 timer. */
  private arm_(): void {
    this.disarm_();
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
    const self = this;
    this.timer_ = this.host_.timers.setTimeout(function () {
      self.timer_ = 0;
      if (self.status === 0) self.fail(408, "");
    }, this.host_.timeoutMs);
  }

  private disarm_(): void {
    if (this.timer_ !== 0) this.host_.timers.clearTimeout(this.timer_);
    this.timer_ = 0;
  }

  private data_(d: string): void {
    if (this.status !== 0 || this.closed_) return;
    const wasHead = this.p.headDone;
    const r = this.p.feed(d);
    if (r === NEED_MORE) {
      // The body has its own 5 s, restarted by each piece of it.
      if (this.p.headDone || wasHead) this.arm_();
      return;
    }
    this.disarm_();
    if (r === ERROR) this.fail(this.p.status, "");
    else this.host_.dispatch(this);
  }

  private drain_(): void {
    if (this.closed_) return;
    if (this.src_ === null) {
      if (this.onDrain) this.onDrain();
      return;
    }
    let piece = this.src_.next(this.host_.chunk);
    while (piece === "") piece = this.src_.next(this.host_.chunk);
    if (piece === null) {
      this.src_ = null;
      this.end();
    } else this.write(piece);
  }

  private close_(): void {
    if (this.closed_) return;
    this.closed_ = true;
    this.src_ = null;
    this.disarm_();
    if (this.onClose) this.onClose();
    this.onClose = null;
    this.onDrain = null;
    this.host_.closed(this);
  }

  isClosed(): boolean {
    return this.closed_;
  }

  /** Queues data; false (and nothing sent) once the connection is closed. */
  write(s: string): boolean {
    if (this.closed_ || this.ended_) return false;
    try {
      this.sock_.write(s);
      return true;
    } catch (e) {
      this.host_.log("http: write failed: " + e);
      this.close_();
      return false;
    }
  }

  /** Closes once everything queued is sent. */
  end(): void {
    if (this.closed_ || this.ended_) return;
    this.ended_ = true;
    this.disarm_();
    try {
      this.sock_.end();
    } catch (e) {
      this.close_();
    }
  }

  /** Sends a whole small response and closes. `extra`: ready-made header lines. */
  send(status: number, type: string, body: string, extra: string): void {
    this.status = status;
    this.disarm_();
    this.write(responseHead(status, type, body.length, extra) + (this.p.method === "HEAD" ? "" : body));
    this.end();
  }

  /** Sends a head and leaves the connection open (the event stream writes on). */
  begin(status: number, head: string): boolean {
    this.status = status;
    this.disarm_();
    return this.write(head);
  }

  /** Sends a head, then `src` one piece per drain (nothing for HEAD), then closes. */
  stream(status: number, head: string, src: Source | null): void {
    this.src_ = this.p.method === "HEAD" ? null : src;
    if (this.begin(status, head) && this.src_ === null) this.end();
  }

  /** Answers an error status with a small body: JSON under /api/, HTML elsewhere. */
  fail(status: number, extra: string): void {
    const json = this.p.path.substring(0, 5) === "/api/";
    this.send(status, json ? JSON_TYPE : HTML_TYPE, errorBody(status, json), extra);
  }
}

/** The request as the handlers see it (the parser's fields). */
export type HttpRequest = RequestParser;

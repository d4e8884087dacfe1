/*
 * The device's web server (SPEC.md, "HTTP"), on `net` rather than Espruino's `http` (which holds
 * a whole request head in RAM, has no Content-Length and always says "OK"): one request per
 * connection, then a close (every answer says `Connection: close`); every limit of
 * lib/http/request-parser.ts; 408 when the head is not complete within `timeoutMs` of the
 * connect or a body stops arriving for `timeoutMs`; 503 with Retry-After when the socket budget,
 * the memory guard or the event-stream cap says no (a refused client is answered when its
 * request starts, or after a second).
 *
 * Routes: pages come from Storage through the asset index (`w.idx`, written by
 * scripts/build-web.ts), gzip'd when the client accepts it, with an ETag per representation and
 * 304; /api/led (POST needs the control token when one is set: 401 with WWW-Authenticate:
 * Bearer), /events (Server-Sent Events, at most `sseMax` at once; a sample is dropped for a
 * listener that has not read the previous one). The rarely used routes, /status (a template),
 * /api/status, /api/samples and the /setup POST, are in web-more.ts, which the device loads as
 * its own lazy module for each such request (setMore). docs/WEB.md has the details.
 *
 * Written for RAM (docs/MEMORY.md): a connection is a plain object (the request's fields are on
 * it, lib/http/request-parser.ts), four socket listeners shared by every connection find it
 * through the socket, and everything done to a connection goes through one method,
 * `Web.x_(c, op, ...)`, with the routes as a switch on the path. A response is streamed one
 * piece per `drain` (Espruino's write() queues in RAM and always returns false, so nothing more
 * is queued until the last piece has gone), so it holds at most one piece in RAM whatever its
 * size. A client that closes mid-response stops the stream; writes after a close are caught,
 * never thrown.
 */
import { findAsset } from "../../../lib/http/asset-index.ts";
import { LED_ON, LED_TOGGLE, parseLedBody } from "../../../lib/http/bodies.ts";
import { feedRequest, NEED_MORE, startRequest, type HttpRequest } from "../../../lib/http/request-parser.ts";
import { errorBody, HTML_TYPE, JSON_TYPE, responseHead } from "../../../lib/http/response.ts";
import { samplesNext, type SamplesStream } from "../../../lib/http/samples-json.ts";
import { SLOT_ROOM, templateScan } from "../../../lib/http/template.ts";
import type { Auth, Device, History, Sample, SocketBudget } from "../contracts.ts";
import type { Closable, Log, Net, Socket, StorageFiles, Timers, WifiSetup } from "../../platform/types.ts";

export const INDEX_FILE = "w.idx";
export const TIMEOUT_MS = 5000;
/** Seconds a refused client is told to wait. */
export const RETRY_AFTER = 2;

export interface WebServerOptions {
  /** Where startWebServer listens; the firmware's resident core listens itself and hands sockets to accept(). */
  net?: Net;
  port?: number;
  device: Device;
  history: History;
  budget: SocketBudget;
  auth: Auth;
  storage: StorageFiles;
  wifi: WifiSetup;
  log: Log;
  timers: Timers;
  /** Event-stream listeners allowed at once (the board's SSE_LISTENERS). */
  sseMax: number;
  /** Bytes per write (the board's CHUNK_SIZE). */
  chunk: number;
  /** Head and body timeout; TIMEOUT_MS unless a test shortens it. */
  timeoutMs?: number;
}

export interface WebServer extends Closable {
  /** Event-stream listeners now. */
  listeners(): number;
}

/** Bytes of literal template text per piece (a template is read and copied to RAM a piece at a time). */
export const TEMPLATE_PIECE = 128;

/** One connection: its socket, the request's fields (request-parser.ts) and the response's state. */
export interface Conn extends HttpRequest, SamplesStream {
  s_: Socket;
  /** The status answered, 0 until then. */
  sc_: number;
  /** The 408 (or refusal) timer, 0: none. */
  tm_: number;
  /** 0 open, 1 ended (everything queued goes, then the close), 2 closed. */
  cs_: number;
  /** A refused client: answered 503, holds no socket of the budget. */
  rf_?: boolean;
  /**
   * What is being streamed: a Storage file's name (from `of_` to `by_`; a template when `tv_` is
   * set), or true for the samples answer (lib/http/samples-json.ts: `sl_`, `sq_`, `of_`, `by_`).
   */
  src_?: string | true | null;
  /** A template's values by slot name, escaped (web-more.ts). */
  tv_?: { [name: string]: string };
  /** The event stream: its unsubscribe, and whether the last sample is still unread. */
  ev_?: () => void;
  wt_?: boolean;
  /** /setup: the network to join once the answer has gone. */
  ss_?: string;
  pw_?: string;
}

/** The rarely used routes (web-more.ts): `what` is the route. */
export type More = (w: Web, c: Conn, what: string) => void;

/** Where the rarely used routes come from: on the device, the lazy module `lazy:web-more`. */
let more: (() => More) | null = null;

/** Sets where the rarely used routes come from (firmware/lazy/web.ts; the tests give web-more.ts). */
export function setMore(load: () => More): void {
  more = load;
}

// What x_ does to a connection.
const DATA = 0;
const DRAIN = 1;
const GONE = 2;
const TIME = 3;
const ARM = 4;
const ROUTE = 5;
export const WRITE = 6;
export const END = 7;
/** n status, s body (JSON when it starts with `{`, else HTML), e extra header lines. */
export const SEND = 8;
/** n status, e extra header lines: a small error body, JSON under /api/. */
export const FAIL = 9;
/** n status, s the head; then c.src_ one piece per drain (nothing for HEAD), then the close. */
export const STREAM = 10;
/** s a token from a form: true when authorized, else answers 401 and gives false. */
export const AUTH = 11;
/** Gives the next piece of c.src_ (moving on), or null at its end. */
const NEXT = 12;

const NO_STORE = "Cache-Control: no-store\r\n";

/** What a connection needs from the server; the listener (startWebServer or the core) calls accept. */
export interface WebHandler {
  accept(sock: Socket): void;
  /** Event-stream listeners now. */
  listeners(): number;
}

type WebSocket = Socket & { c_?: Conn };

export class Web implements WebHandler {
  o_: WebServerOptions;
  /** Event-stream listeners now. */
  ev_: number;
  /** The four listeners every connection's socket shares (`this` is the socket). */
  ls_: Array<(d?: unknown) => void>;

  constructor(o: WebServerOptions) {
    this.o_ = o;
    this.ev_ = 0;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
    const self = this;
    this.ls_ = [
      function (this: WebSocket, d?: unknown) {
        if (this.c_) self.x_(this.c_, DATA, 0, d as string);
      },
      function (this: WebSocket) {
        if (this.c_) self.x_(this.c_, DRAIN);
      },
      function (this: WebSocket) {
        if (this.c_) self.x_(this.c_, GONE);
      },
      function () {
        // A socket error is followed by its close.
      },
    ];
  }

  listeners(): number {
    return this.ev_;
  }

  accept(sock: Socket): void {
    const o = this.o_;
    const c = startRequest({ s_: sock, sc_: 0, tm_: 0, cs_: 0 }) as Conn;
    (sock as WebSocket).c_ = c;
    const l = this.ls_;
    sock.on("data", l[0]);
    sock.on("drain", l[1]);
    sock.on("close", l[2]);
    sock.on("error", l[3]);
    let why = "";
    if (!o.budget.acquire()) why = "no socket to spare";
    else if (o.device.lowMemory()) {
      o.budget.release();
      why = "low memory";
    }
    if (why !== "") {
      o.log("http: refused, " + why);
      c.rf_ = true;
    }
    this.x_(c, ARM, why !== "" ? 1000 : o.timeoutMs === undefined ? TIMEOUT_MS : o.timeoutMs);
  }

  /** Everything done to a connection (op: DATA, DRAIN, ..., NEXT above); gives WRITE's, AUTH's and NEXT's answer. */
  x_(c: Conn, op: number, n?: number, s?: string, e?: string): boolean | string | null {
    const o = this.o_;
    if (op === DATA) {
      if (c.sc_ !== 0 || c.cs_ !== 0) return false;
      if (c.rf_) return this.x_(c, TIME);
      const wasBody = c.st_ >= 2;
      const r = feedRequest(c, s as string);
      if (r === NEED_MORE) {
        // The body has its own timeout, restarted by each piece of it.
        if (c.st_ >= 2 || wasBody) this.x_(c, ARM, o.timeoutMs === undefined ? TIMEOUT_MS : o.timeoutMs);
        return false;
      }
      if (r < 0) this.x_(c, FAIL, -r, "", "");
      else this.x_(c, ROUTE);
    } else if (op === DRAIN) {
      if (c.cs_ === 2) return false;
      const src = c.src_;
      if (src === undefined || src === null) {
        c.wt_ = false;
        return false;
      }
      const piece = this.x_(c, NEXT);
      if (piece === null) {
        c.src_ = null;
        this.x_(c, END);
      } else this.x_(c, WRITE, 0, piece as string);
    } else if (op === NEXT) {
      // Functions called here once (not in a loop) are inlined by the build: none stays loaded.
      const src = c.src_;
      if (src === true) return samplesNext(o.history, c, o.chunk);
      const at = c.of_ as number;
      const left = (c.by_ as number) - at;
      if (!c.tv_) {
        const piece = left <= 0 ? null : o.storage.read(src as string, at, Math.min(o.chunk, left)) || null;
        if (piece !== null) c.of_ = at + piece.length;
        return piece;
      }
      // A template (Storage file from c.of_ to c.by_, values c.tv_): a literal run, or a slot's value.
      const buf = left <= 0 ? "" : o.storage.read(src as string, at, Math.min(TEMPLATE_PIECE + SLOT_ROOM, left)) || "";
      const k = templateScan(buf, buf.length >= left, TEMPLATE_PIECE);
      if (k === 0) return null;
      c.of_ = at + (k < 0 ? -k : k);
      if (k > 0) return buf.substring(0, k);
      const name = buf.substring(2, -k - 2);
      const t = c.tv_;
      const v = Object.prototype.hasOwnProperty.call(t, name) ? t[name] : "";
      return v === "" ? this.x_(c, NEXT) : v;
    } else if (op === GONE) {
      if (c.cs_ === 2) return false;
      c.cs_ = 2;
      c.src_ = null;
      c.tv_ = undefined;
      this.x_(c, ARM, 0);
      if (c.ev_) {
        this.ev_--;
        c.ev_();
        c.ev_ = undefined;
      }
      if (c.ss_ !== undefined) o.wifi.configure(c.ss_, c.pw_ as string);
      c.ss_ = c.pw_ = undefined;
      if (!c.rf_) o.budget.release();
    } else if (op === TIME) {
      c.tm_ = 0;
      if (c.sc_ !== 0) return false;
      if (c.rf_) this.x_(c, SEND, 503, errorBody(503, false), "Retry-After: " + RETRY_AFTER + "\r\n");
      else this.x_(c, FAIL, 408, "", "");
    } else if (op === ARM) {
      // (Re)starts the timer (n ms), or stops it (n 0).
      if (c.tm_ !== 0) o.timers.clearTimeout(c.tm_);
      c.tm_ = 0;
      // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
      const self = this;
      if (n) {
        c.tm_ = o.timers.setTimeout(function () {
          self.x_(c, TIME);
        }, n);
      }
    } else if (op === WRITE) {
      if (c.cs_ !== 0) return false;
      try {
        c.s_.write(s as string);
        return true;
      } catch (err) {
        o.log("http: write failed: " + err);
        this.x_(c, GONE);
        return false;
      }
    } else if (op === END) {
      if (c.cs_ !== 0) return false;
      c.cs_ = 1;
      this.x_(c, ARM, 0);
      try {
        c.s_.end();
      } catch (err) {
        this.x_(c, GONE);
      }
    } else if (op === SEND || op === FAIL) {
      const json = op === FAIL ? (c.pa_ || "").substring(0, 5) === "/api/" : (s as string).charAt(0) === "{";
      const body = op === FAIL ? errorBody(n as number, json) : (s as string);
      c.sc_ = n as number;
      this.x_(c, ARM, 0);
      this.x_(c, WRITE, 0, responseHead(n as number, json ? JSON_TYPE : HTML_TYPE, body.length, e as string) + (c.me_ === "HEAD" ? "" : body));
      this.x_(c, END);
    } else if (op === STREAM) {
      if (c.me_ === "HEAD") c.src_ = null;
      c.sc_ = n as number;
      this.x_(c, ARM, 0);
      if (this.x_(c, WRITE, 0, s) && (c.src_ === undefined || c.src_ === null)) this.x_(c, END);
    } else if (op === AUTH) {
      if (!o.auth.required()) return true;
      const given = c.au_ || "";
      const bearer = given.substring(0, 7).toLowerCase() === "bearer " ? given.substring(7).trim() : "";
      const t = bearer || (s as string);
      if (t !== "" && o.auth.check(t)) return true;
      this.x_(c, FAIL, 401, "", 'WWW-Authenticate: Bearer realm="device"' + (given !== "" ? ', error="invalid_token"' : "") + "\r\n");
      return false;
    } else if (op === ROUTE) {
      const m = c.me_ as string;
      const p = c.pa_ as string;
      const get = m === "GET" || m === "HEAD";
      // The methods of a known path, for a 405.
      let allow = "";
      if (p === "/api/status" || p === "/api/samples") {
        if (get) (more as () => More)()(this, c, p);
        else allow = "GET, HEAD";
      } else if (p === "/api/led") {
        if (m === "POST") {
          if (this.x_(c, AUTH, 0, "")) {
            const v = parseLedBody(c.bd_ || "");
            if (v < 0) this.x_(c, FAIL, 400, "", "");
            else {
              const d = o.device;
              this.x_(c, SEND, 200, '{"led":' + d.setLed(v === LED_TOGGLE ? d.led() === 0 : v === LED_ON) + "}", NO_STORE);
            }
          }
        } else if (get) this.x_(c, SEND, 200, '{"led":' + o.device.led() + "}", NO_STORE);
        else allow = "GET, POST, HEAD";
      } else if (p === "/events") {
        if (!get) allow = "GET, HEAD";
        else if (this.ev_ >= o.sseMax || o.device.lowMemory()) this.x_(c, FAIL, 503, "", "Retry-After: " + RETRY_AFTER + "\r\n");
        else {
          const head = responseHead(200, "text/event-stream", -1, NO_STORE);
          if (m === "HEAD") this.x_(c, STREAM, 200, head);
          else {
            this.ev_++;
            // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
            const self = this;
            c.wt_ = true;
            c.ev_ = o.history.subscribe(function (x: Sample) {
              // A client that has not read the last sample does not get this one.
              if (c.wt_) return;
              c.wt_ = true;
              self.x_(c, WRITE, 0, "data: " + x.seq + "," + x.ms + "," + x.a0 + "," + x.free + "," + x.led + "\n\n");
            });
            c.sc_ = 200;
            this.x_(c, ARM, 0);
            this.x_(c, WRITE, 0, head + "retry: 3000\n\n");
          }
        }
      } else if (p === "/setup" && m === "POST") (more as () => More)()(this, c, p);
      else if (!get && (p === "/status" || p === "/setup")) allow = p === "/setup" ? "GET, POST, HEAD" : "GET, HEAD";
      else {
        // A page (or the /status template) from the asset index (read in place, not held).
        const a = findAsset(o.storage.read(INDEX_FILE), p);
        if (a === null) this.x_(c, FAIL, 404, "", "");
        else if (!get) allow = "GET, HEAD";
        else if (a.kind === "t") {
          // web-more.ts sets the values (c.tv_), taken once; the page is rendered twice, its length then its pieces.
          c.src_ = a.file;
          c.by_ = a.bytes;
          (more as () => More)()(this, c, p);
          let n = 0;
          c.of_ = 0;
          for (let q = this.x_(c, NEXT); q !== null; q = this.x_(c, NEXT)) n += (q as string).length;
          c.of_ = 0;
          this.x_(c, STREAM, 200, responseHead(200, a.type, n, NO_STORE));
        } else {
          const gz = a.gzFile !== "" && c.gz_ === true;
          const etag = gz ? a.gzEtag : a.etag;
          const extra = (a.gzFile !== "" ? "Vary: Accept-Encoding\r\n" : "") + "ETag: " + etag + "\r\nCache-Control: no-cache\r\n";
          const inm = c.im_ || "";
          const file = gz ? a.gzFile : a.file;
          if (inm !== "" && (inm.trim() === "*" || inm.indexOf(etag) >= 0)) this.x_(c, STREAM, 304, responseHead(304, "", -1, extra));
          else if (o.storage.read(file, 0, 1) === undefined) {
            o.log("http: missing Storage file " + file);
            this.x_(c, FAIL, 404, "", "");
          } else {
            c.src_ = file;
            c.of_ = 0;
            c.by_ = gz ? a.gzBytes : a.bytes;
            this.x_(c, STREAM, 200, responseHead(200, a.type, c.by_, extra + (gz ? "Content-Encoding: gzip\r\n" : "")));
          }
        }
      }
      if (allow !== "") this.x_(c, FAIL, 405, "", "Allow: " + allow + "\r\n");
      o.log("http " + m + " " + p.substring(0, 64) + " " + c.sc_);
    }
    return false;
  }
}

/** Everything of the web server but its listening socket (the core loads it only while a client is connected). */
export function createWebHandler(o: WebServerOptions): WebHandler {
  return new Web(o);
}

export function startWebServer(o: WebServerOptions & { net: Net; port: number }): WebServer {
  const h = new Web(o);
  const server = o.net.listen(o.port, function (s: Socket) {
    h.accept(s);
  });
  return {
    close(): void {
      server.close();
    },
    listeners(): number {
      return h.ev_;
    },
  };
}

/*
 * The device's web server (docs/WEB.md), on `net` rather than Espruino's
 * `http` (which holds a whole request head in RAM, adds no Content-Length and always says "OK"):
 * one request per connection, then a close; every limit of lib/http/request-parser.ts; 408 when
 * the head is not complete TIMEOUT_S after the connect or a body stops arriving for TIMEOUT_S;
 * 503 with Retry-After when no socket, memory or event-stream place is free (a refused client is
 * answered when its request starts, or after a second).
 *
 * Routes: ROUTES holds the paths with code of their own (/api/status, /api/led, /api/samples,
 * /events, /setup); every other path is a page from Storage through the asset index
 * (`w.idx`, written by scripts/build-web.ts), gzip'd when the client accepts it, with an ETag
 * per representation and 304, or a template filled with the device's values (/status). The
 * /setup POST is the lazy module `lazy:web-setup`.
 *
 * Shape, for Espruino's CPU and RAM (docs/MEMORY.md): a connection is its socket (the request's
 * fields, then the response's, are set on it as they come); three listeners shared by every
 * connection (`this` is the socket); a route is found with one property lookup, so a request
 * lexes only its own route's code. An answer is written as its head and first piece together,
 * then one piece per `drain` (Espruino's write() queues in RAM and always returns false), so it
 * holds at most one piece in RAM whatever its size. Timeouts and the event stream run from the
 * device's once-a-second tick (webTick), not from a timer per connection.
 */
import { SSE_LISTENERS, STATUS_JSON_START } from "board-config";
import { load as loadSetup } from "lazy:web-setup";
import { load as loadStream } from "lazy:web-stream";
import { load as loadParser } from "lazy:web-parser";
import { findAsset, type Asset } from "../../lib/http/asset-index.ts";
import { LED_ON, LED_TOGGLE, parseLedBody } from "../../lib/http/bodies.ts";
import { feedUsual, NEED_MORE, OTHER, type HttpRequest } from "../../lib/http/request-parser.ts";
import { errorBody, etagMatches, HTML_TYPE, JSON_TYPE, responseHead } from "../../lib/http/response.ts";
import type { SamplesStream } from "../../lib/http/samples-json.ts";
import { TEMPLATE_PIECE } from "../../lib/http/template.ts";
import { encodeSampleCsv } from "../../lib/sample-csv.ts";
import { ringGet } from "../../lib/sample-ring.ts";
import { readA0 } from "../platform/pins.ts";
import type { EspruinoSocket } from "../platform/socket-held.ts";
import { wifiIp, wifiRssi } from "../platform/wifi.ts";
import { tokenMatches, tokenRequired } from "./auth.ts";
import { admit, dev, echoSockets, GUARD_VARS, lineSockets, lowMemory, openIn, setLed, uptimeMs, webSockets } from "./device.ts";

export const INDEX_FILE = "w.idx";
/** Seconds for the head after the connect, and between pieces of a body. */
export const TIMEOUT_S = 5;
/** Seconds a refused client is told to wait. */
export const RETRY_AFTER = 2;
/** Bytes of a Storage file per write. */
export const PIECE_BYTES = 512;
/** Bytes of literal template text per piece (lib/http/template.ts). */
export { TEMPLATE_PIECE };
/** Free variables a new HTTP client needs: the guard, plus its socket, its request and one piece in flight (docs/MEMORY.md). */
export const WEB_NEED = GUARD_VARS + 140;
/** Free variables `lazy:web-parser` takes once loaded (71 measured on espruino-1600-32: docs/MEMORY.md). */
export const PARSER_VARS = 80;

const NO_STORE = "Cache-Control: no-store\r\n";
const RETRY = "Retry-After: " + RETRY_AFTER + "\r\n";

/** WebConn.status_ before the answer: the request is awaited, or the client was refused (answered 503). */
export const AWAITED = 0;
export const REFUSED = -1;

/**
 * One connection: its socket, the request's fields (request-parser.ts), then the answer's. The
 * fields read on every request are set at the connect: on Espruino reading a field an object
 * does not have walks its prototypes, which costs more than the variable the field takes.
 */
export type WebConn = EspruinoSocket &
  HttpRequest &
  SamplesStream & {
    /** getTime() at the connect, or at the last piece of a body: the 408's clock. */
    since_: number;
    /** AWAITED, REFUSED, or the status answered. */
    status_: number;
    /** What is streamed: a Storage file's name (a template when tplValues_ is set), true for the samples, null: nothing more. */
    src_?: string | true | null;
    /** A template's values by slot name, escaped; its slot table, and the next slot's place in it (lazy:web-stream). */
    tplValues_?: { [slot: string]: string };
    tplTable_?: Array<number | string>;
    tplAt_?: number;
    /** `lazy:web-stream`, loaded while /status or /api/samples is being sent. */
    stream_?: WebStream;
    /** /setup: the network to join once the answer has gone. */
    joinSsid_?: string;
    joinPassword_?: string;
  };

/** The exports of `lazy:web-stream`. */
type WebStream = ReturnType<typeof loadStream>;

/** What a route does with a connection whose request is complete; `get` is true for GET and HEAD. */
type Route = (c: WebConn, get: boolean) => void;

/** The event-stream listeners. */
const eventSockets: WebConn[] = [];

/** `lazy:web-parser` while requests need it (null: not loaded), and whether one did since the last tick. */
let parser: ReturnType<typeof loadParser> | null = null;
let parserUsed = false;


/**
 * Takes an accepted socket (the listener's callback). A connection has one listener, `data`;
 * `drain` is added when an answer has more than one piece, and a closed connection leaves the
 * lists when they are next counted (device.ts): a close costs no JavaScript.
 */
export function webAccept(s: EspruinoSocket): void {
  if (s.sckt === undefined) return;
  const c = s as WebConn;
  // An empty request (request-parser.ts).
  c.reqState_ = 0;
  c.headLine_ = "";
  c.status_ = AWAITED;
  c.since_ = getTime();
  c.on("data", webData);
  const why = admit(webSockets, c, WEB_NEED);
  if (why !== "") {
    // It holds a socket all the same until it is answered: it is counted.
    print("http: refused, " + why);
    c.status_ = REFUSED;
    webSockets.push(c);
  }
}

function webData(this: WebConn, d: string): void {
  const c = this;
  if (c.status_ !== AWAITED) {
    if (c.status_ === REFUSED) webSend(c, 503, HTML_TYPE, errorBody(503, false), RETRY);
    return;
  }
  let r = feedUsual(c, d, ROUTES);
  if (r === OTHER) r = webParse(c, d);
  if (r === NEED_MORE) {
    // A body has its own timeout, restarted by each piece of it.
    if (c.reqState_ === 2) c.since_ = getTime();
    return;
  }
  if (r < 0) return webFail(c, -r, r === -503 ? RETRY : "");
  const p = c.path_ as string;
  const route = ROUTES[p];
  const get = c.method_ === "GET" || c.method_ === "HEAD";
  if (route !== undefined) route(c, get);
  else webPage(c, get);
  // A routed request that failed is logged; a served one is not (the line costs about 0.1 M
  // instructions, near a tenth of a tutorial program's whole request). A malformed one, answered
  // above, is not logged either: a flood of them would flood the console.
  if (c.status_ >= 400) print("http " + c.method_ + " " + p.substring(0, 64) + " " + c.status_);
}

/** Any chunk but the usual request's, through the general parser (feedAny's answer), loaded when memory allows (else -503). */
function webParse(c: WebConn, d: string): number {
  if (parser === null) {
    // Collected first: a copy dropped at a tick may have been held then by a closing socket.
    if (process.memory().free < GUARD_VARS + PARSER_VARS) return -503;
    parser = loadParser();
  }
  parserUsed = true;
  return parser.feedAny(c, d, ROUTES);
}

function webDrain(this: WebConn): void {
  const c = this;
  // A socket Espruino has closed has no `sckt`.
  if (c.src_ === undefined || c.src_ === null || c.sckt === undefined) return;
  const piece = webNext(c);
  if (piece === null) webEnd(c, "");
  else webWrite(c, piece);
}

/**
 * Writes the last of a streamed answer and closes. An answer that held `lazy:web-stream` lets it
 * go, and garbage is collected: a lazy module's functions and scope hold each other, which
 * Espruino frees only in a collection, and it collects by itself only near exhaustion, so
 * without this every /status or /api/samples would leave some 40 variables used until then.
 */
function webEnd(c: WebConn, last: string): void {
  c.src_ = null;
  webWrite(c, last, true);
  if (c.stream_ !== undefined) {
    c.stream_ = undefined;
    process.memory();
  }
}

/** After a /setup POST's answer has gone (its close): joins the network it set. */
function webJoin(this: WebConn): void {
  loadSetup().join(this.joinSsid_ as string, this.joinPassword_ as string);
  this.joinSsid_ = this.joinPassword_ = undefined;
}

/** Writes `s` to `c`, and closes it after when `end` is true; a socket Espruino has closed throws, and is left alone. */
function webWrite(c: WebConn, s: string, end?: boolean): void {
  try {
    if (end) c.end(s);
    else c.write(s);
  } catch (e) {
    c.src_ = null;
  }
}

/** Answers `status` with `body` (nothing of it for HEAD) and closes; `extra` is ready-made header lines. */
export function webSend(c: WebConn, status: number, type: string, body: string, extra: string): void {
  c.status_ = status;
  webWrite(c, responseHead(status, type, body.length, extra) + (c.method_ === "HEAD" ? "" : body), true);
}

/** Answers 200 with the JSON `body`, not to be cached: the API's answer, its head written out (responseHead's, as a test checks). */
function webJson(c: WebConn, body: string): void {
  c.status_ = 200;
  // webWrite(c, ..., true) written out: the call costs more than its few lines.
  try {
    c.end("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n" + (c.method_ === "HEAD" ? "" : body));
  } catch (e) {
    c.src_ = null;
  }
}

/** Answers `status` with a small error body, JSON under /api/. */
export function webFail(c: WebConn, status: number, extra: string): void {
  const json = (c.path_ || "").substring(0, 5) === "/api/";
  webSend(c, status, json ? JSON_TYPE : HTML_TYPE, errorBody(status, json), extra);
}

/** Answers `status` with `head`, then streams c.src_ (nothing of it for HEAD), then closes. */
function webStream(c: WebConn, status: number, head: string): void {
  c.status_ = status;
  if (c.method_ === "HEAD") c.src_ = null;
  const first = webNext(c);
  if (first === null) return webEnd(c, head);
  c.on("drain", webDrain);
  webWrite(c, head + first);
}

/** True when the request carries the token (a Bearer header, or `formToken`), or none is set; else answers 401. */
export function webAuthed(c: WebConn, formToken: string): boolean {
  if (!tokenRequired()) return true;
  const given = c.authorization_ || "";
  const bearer = given.substring(0, 7).toLowerCase() === "bearer " ? given.substring(7).trim() : "";
  const t = bearer || formToken;
  if (t !== "" && tokenMatches(t)) return true;
  webFail(c, 401, 'WWW-Authenticate: Bearer realm="device"' + (given !== "" ? ', error="invalid_token"' : "") + "\r\n");
  return false;
}

/** The next piece of what c.src_ streams (moving on), or null at its end. */
function webNext(c: WebConn): string | null {
  const src = c.src_;
  if (src === undefined || src === null) return null;
  if (src === true) return (c.stream_ as WebStream).samplesNext(dev, c, PIECE_BYTES);
  const at = c.offset_ as number;
  const left = (c.length_ as number) - at;
  if (c.tplValues_ !== undefined) return (c.stream_ as WebStream).templateNext(c, src);
  if (left <= 0) return null;
  const piece = require("Storage").read(src, at, left < PIECE_BYTES ? left : PIECE_BYTES);
  if (piece === undefined || piece.length === 0) return null;
  c.offset_ = at + piece.length;
  return piece;
}

/** A page (or the /status template) from the asset index, read in place. */
function webPage(c: WebConn, get: boolean): void {
  const a = findAsset(require("Storage").read(INDEX_FILE), c.path_ as string);
  if (a === null) return webFail(c, 404, "");
  if (!get) return webFail(c, 405, "Allow: GET, HEAD\r\n");
  if (a.kind === "t") return webTemplate(c, a);
  const gz = a.gzFile !== "" && c.gzip_ === true;
  const etag = gz ? a.gzEtag : a.etag;
  const extra = (a.gzFile !== "" ? "Vary: Accept-Encoding\r\n" : "") + "ETag: " + etag + "\r\nCache-Control: no-cache\r\n";
  if (c.ifNoneMatch_ !== undefined && etagMatches(c.ifNoneMatch_, etag)) return webStream(c, 304, responseHead(304, "", -1, extra));
  const file = gz ? a.gzFile : a.file;
  if (require("Storage").read(file, 0, 1) === undefined) {
    print("http: missing Storage file " + file);
    return webFail(c, 404, "");
  }
  c.src_ = file;
  c.offset_ = 0;
  c.length_ = gz ? a.gzBytes : a.bytes;
  webStream(c, 200, responseHead(200, a.type, c.length_, extra + (gz ? "Content-Encoding: gzip\r\n" : "")));
}

/** /status: the template with the device's values; its length from the slot table, then its pieces. */
function webTemplate(c: WebConn, a: Asset): void {
  c.stream_ = loadStream();
  const n = c.stream_.templateStart(c, a.file, a.bytes);
  if (n < 0) {
    c.stream_ = undefined;
    return webFail(c, 404, "");
  }
  c.src_ = a.file;
  c.length_ = a.bytes;
  c.offset_ = 0;
  webStream(c, 200, responseHead(200, a.type, n, NO_STORE));
}

/** The paths with code of their own; any other is a page (webPage), /status (a template) included. */
const ROUTES: { [path: string]: Route | undefined } = {
  "/api/status": function (c, get) {
    if (!get) return webFail(c, 405, "Allow: GET, HEAD\r\n");
    const st = dev.wifi_;
    const ms = uptimeMs();
    // clients() without its pruning of the web list, which admit() did at this connection's
    // accept a moment ago (calling clients() here measured 0.1 M instructions more a request).
    const n = echoSockets.length + lineSockets.length + webSockets.length;
    // Written out rather than JSON.stringify of an object (40 thousand instructions fewer): the
    // name and version come serialized from the build, the rest are numbers, null, a dotted IP
    // address and a Wi-Fi state word, none of which needs escaping. `token` says whether a
    // control token is set, so that a page can tell an open device from a protected one (the
    // call costs 68 thousand instructions a request; a field on dev would cost 53 thousand and
    // 2 variables at boot, measured).
    webJson(
      c,
      STATUS_JSON_START + '"uptime":' + ms + ',"free":' + dev.free_ + ',"total":' + dev.total_ + ',"led":' + dev.led_ + ',"a0":' + readA0(ms) +
        ',"ip":"' + wifiIp(st) + '","rssi":' + wifiRssi(st) + ',"clients":' + n + ',"wifi":"' + st + '","token":' + tokenRequired() + "}",
    );
  },
  "/api/led": function (c, get) {
    if (c.method_ === "POST") {
      if (!webAuthed(c, "")) return;
      const v = parseLedBody(c.body_ || "");
      if (v < 0) return webFail(c, 400, "");
      return webJson(c, '{"led":' + setLed(v === LED_TOGGLE ? 1 - dev.led_ : v === LED_ON ? 1 : 0) + "}");
    }
    if (!get) return webFail(c, 405, "Allow: GET, POST, HEAD\r\n");
    webJson(c, '{"led":' + dev.led_ + "}");
  },
  "/api/samples": function (c, get) {
    if (!get) return webFail(c, 405, "Allow: GET, HEAD\r\n");
    c.src_ = true;
    c.stream_ = loadStream();
    webStream(c, 200, responseHead(200, JSON_TYPE, c.stream_.samplesStart(dev, c), NO_STORE));
  },
  "/events": function (c, get) {
    if (!get) return webFail(c, 405, "Allow: GET, HEAD\r\n");
    if (openIn(eventSockets) >= SSE_LISTENERS || lowMemory()) return webFail(c, 503, RETRY);
    const head = responseHead(200, "text/event-stream", -1, NO_STORE);
    if (c.method_ === "HEAD") return webStream(c, 200, head);
    c.status_ = 200;
    eventSockets.push(c);
    webWrite(c, head + "retry: 3000\n\n");
  },
  "/setup": function (c, get) {
    // GET /api/networks shares this route (one function less held): the networks a scan sees.
    if (c.path_ === "/api/networks") {
      if (!get) return webFail(c, 405, "Allow: GET, HEAD\r\n");
      if (lowMemory()) return webFail(c, 503, RETRY);
      return loadSetup().networks(c, { send: webSend, fail: webFail, authed: webAuthed });
    }
    if (c.method_ === "POST") {
      loadSetup().setup(c, dev.wifi_, { send: webSend, fail: webFail, authed: webAuthed });
      if (c.joinSsid_ !== undefined) c.on("close", webJoin);
      return;
    }
    if (!get) return webFail(c, 405, "Allow: GET, POST, HEAD\r\n");
    webPage(c, get);
  },
};
ROUTES["/api/networks"] = ROUTES["/setup"];

/** The once-a-second tick: the newest sample to each event listener that has read the last one, then the timeouts, then the parser's drop once unused for a tick. */
export function webTick(): void {
  openIn(eventSockets);
  if (eventSockets.length > 0) {
    const s = ringGet(dev, 0);
    if (s !== null) {
      const line = "data: " + encodeSampleCsv(s) + "\n\n";
      for (let i = 0; i < eventSockets.length; i++) {
        const c = eventSockets[i];
        // A listener that has not read the last sample does not get this one.
        if (c.dSnd === undefined || c.dSnd.length === 0) webWrite(c, line);
      }
    }
  }
  const now = getTime();
  for (let i = openIn(webSockets) - 1; i >= 0; i--) {
    const c = webSockets[i] as WebConn;
    if (c.status_ === REFUSED) {
      if (now - c.since_ >= 1) webSend(c, 503, HTML_TYPE, errorBody(503, false), RETRY);
    } else if (c.status_ === AWAITED && now - c.since_ >= TIMEOUT_S) webFail(c, 408, "");
  }
  if (parser !== null) {
    if (parserUsed) parserUsed = false;
    else {
      // Its functions and scope hold each other: only a collection frees them.
      parser = null;
      process.memory();
    }
  }
}

/** True while `lazy:web-parser` is loaded (tests). */
export function parserLoaded(): boolean {
  return parser !== null;
}

/*
 * The incremental, bounded HTTP/1.x request parser. Fed a connection's data chunks (byte strings,
 * any split) as they arrive; it holds at most one line of the head, never more than MAX_LINE
 * bytes of it, and keeps only the fields the server uses (Content-Length, Transfer-Encoding's
 * presence, Accept-Encoding as "gzip or not", If-None-Match, Authorization); other header
 * lines are checked for shape and dropped. A body of at most MAX_BODY bytes is collected.
 *
 * The request is a plain object of fields (on the device, the connection itself: no parser object,
 * no methods; docs/MEMORY.md rule 7): startRequest() sets the few fields an idle connection
 * holds, feedRequest() the rest as they arrive (a header that was not sent leaves its field
 * unset). feedRequest() returns NEED_MORE, minus the HTTP status to answer (-400, ...) or, once
 * the request is complete, how many bytes of that chunk it used (the rest is ignored: one
 * request per connection). Statuses: 400 malformed request line or header line (a method that is not
 * 1..16 capital letters, a version other than HTTP/1.0 or 1.1, a bad path: see path.ts, a bad
 * or conflicting Content-Length, a folded header line), 411 a Transfer-Encoding on a request
 * (bodies must have a Content-Length), 413 a Content-Length over MAX_BODY, 414 a request line
 * over MAX_LINE bytes, 431 a header line over MAX_LINE bytes or the head over MAX_HEAD bytes.
 * Timeouts are the caller's (it has the clock). Lines may end in CRLF or a bare LF; empty lines
 * before the request line are skipped.
 */
import { find } from "../find.ts";
import { normalizePath } from "./path.ts";

export const MAX_LINE = 512;
export const MAX_HEAD = 4096;
export const MAX_BODY = 512;
export const MAX_METHOD = 16;

export const NEED_MORE = -1;

/** True when an Accept-Encoding value accepts gzip (a `gzip`, `x-gzip` or `*` entry without q=0). */
export function acceptsGzip(value: string): boolean {
  const parts = value.toLowerCase().split(",");
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i].split(";");
    const name = p[0].trim();
    if (name !== "gzip" && name !== "x-gzip" && name !== "*") continue;
    let q = 1;
    for (let j = 1; j < p.length; j++) {
      const kv = p[j].trim();
      if (kv.substring(0, 2) === "q=") q = parseFloat(kv.substring(2));
    }
    if (q > 0) return true;
  }
  return false;
}

// Header names must be tokens (visible ASCII without separators) and values free of control
// characters but tabs: each is one native RegExp test, not a loop (on Espruino every pass of a
// loop lexes its body again), written where it is used rather than as a function of its own.
// eslint-disable-next-line no-control-regex -- control bytes are what this matches
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
// eslint-disable-next-line no-useless-escape -- Espruino reads a bare `.` in a class as any character
const NOT_TOKEN = /[^!#$%&'*+\-\.^_`|~0-9A-Za-z]/;

/** The request's fields; the private ones are the parser's state. */
export interface HttpRequest {
  /** 0 request line, 1 header lines, 2 body, 3 done; after an error, its status (400 and up). */
  reqState_: number;
  /** The head line read so far, and the head's bytes. */
  headLine_: string;
  headBytes_: number;
  /** The method and the decoded, normalised path (path.ts), "" until the request line is read. */
  method_?: string;
  path_?: string;
  /** The declared body length; unset when absent. */
  bodyLength_?: number;
  /** A Transfer-Encoding was sent (411). */
  chunked_?: boolean;
  /** Accept-Encoding accepts gzip. */
  gzip_?: boolean;
  /** If-None-Match and Authorization values, unset when absent. */
  ifNoneMatch_?: string;
  authorization_?: string;
  /** The body, unset when there is none. */
  body_?: string;
}

/** Makes `r` an empty request (before its first byte). */
export function startRequest<T>(r: T): T & HttpRequest {
  const q = r as T & HttpRequest;
  q.reqState_ = 0;
  q.headLine_ = "";
  q.headBytes_ = 0;
  return q;
}

/** The error answer's code for `status`: sets the request in error. */
function failRequest(r: HttpRequest, status: number): number {
  r.reqState_ = status;
  r.headLine_ = "";
  r.body_ = undefined;
  return -status;
}

/** The request line: sets the method and path, or gives the status to answer (0: fine; an empty line before it is skipped). */
function requestLine(r: HttpRequest, line: string): number {
  if (line === "") return 0;
  const sp1 = line.indexOf(" ");
  const sp2 = line.indexOf(" ", sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || line.indexOf(" ", sp2 + 1) >= 0 || sp1 > MAX_METHOD) return 400;
  if (/[^A-Z]/.test(line.substring(0, sp1))) return 400;
  const version = line.substring(sp2 + 1);
  if (version !== "HTTP/1.0" && version !== "HTTP/1.1") return 400;
  let target = line.substring(sp1 + 1, sp2);
  if (target.substring(0, 7).toLowerCase() === "http://") {
    const slash = target.indexOf("/", 7);
    target = slash < 0 ? "/" : target.substring(slash);
  }
  const q = target.indexOf("?");
  // The query is not used; it must only be well formed.
  const path = normalizePath(q >= 0 ? target.substring(0, q) : target);
  if (path === null || (q >= 0 && (CONTROL.test(target) || target.indexOf(" ") >= 0))) return 400;
  r.method_ = line.substring(0, sp1);
  r.path_ = path;
  r.reqState_ = 1;
  return 0;
}

/** Keeps the value of a header the server uses (`at`: its place in headerLine's list); gives the status to answer, 0 when fine. */
function headerField(r: HttpRequest, at: number, value: string): number {
  if (at === 0) {
    // Content-Length. Past 9 digits the exact number no longer matters: it is over MAX_BODY.
    if (value.length === 0 || /[^0-9]/.test(value)) return 400;
    const len = value.length > 9 ? 1e9 : parseInt(value, 10);
    if (r.bodyLength_ !== undefined && r.bodyLength_ !== len) return 400;
    r.bodyLength_ = len;
  } else if (at === 15) r.chunked_ = true;
  else if (at === 33) r.gzip_ = r.gzip_ || acceptsGzip(value);
  else if (at === 49) r.ifNoneMatch_ = value;
  else r.authorization_ = value;
  return 0;
}

/**
 * A header line: its shape is checked (a token, a colon, no control byte but a tab), and the
 * few fields the server uses are kept; gives the status to answer, 0 when fine. Most lines are
 * of no use to the server, so they stop after three native tests and one search.
 */
function headerLine(r: HttpRequest, line: string): number {
  const colon = line.indexOf(":");
  if (colon <= 0 || NOT_TOKEN.test(line.substring(0, colon)) || CONTROL.test(line)) return 400;
  // Where the name is in this list says which field it is (-1: one the server does not use);
  // a name cannot hold a space, so it matches a whole entry only.
  const at = find(" content-length transfer-encoding accept-encoding if-none-match authorization ", " " + line.substring(0, colon).toLowerCase() + " ");
  return at < 0 ? 0 : headerField(r, at, line.substring(colon + 1).trim());
}

/** The end of the head: the body to read, if any; gives the status to answer, 0 when fine. */
function headEnd(r: HttpRequest): number {
  if (r.chunked_) return 411;
  const len = r.bodyLength_ === undefined ? 0 : r.bodyLength_;
  if (len > MAX_BODY) return 413;
  r.reqState_ = len > 0 ? 2 : 3;
  if (len > 0) r.body_ = "";
  return 0;
}

/**
 * Feeds one chunk: NEED_MORE, minus the status to answer, or the bytes of this chunk used by the
 * completed request. The loop over the head's lines is short (on Espruino its body is lexed
 * again for every line): each line goes to requestLine, headerLine or headEnd.
 */
export function feedRequest(r: HttpRequest, data: string): number {
  if (r.reqState_ >= 400) return -r.reqState_;
  if (r.reqState_ === 3) return 0;
  let pos = 0;
  const n = data.length;
  while (r.reqState_ < 2) {
    if (pos >= n) return NEED_MORE;
    const nl = data.indexOf("\n", pos);
    const end = nl < 0 ? n : nl;
    const held = r.headLine_;
    // MAX_LINE bytes plus the CR that may precede the LF.
    if (held.length + end - pos > MAX_LINE + 1) return failRequest(r, r.reqState_ === 0 ? 414 : 431);
    r.headBytes_ += end - pos + (nl < 0 ? 0 : 1);
    if (r.headBytes_ > MAX_HEAD) return failRequest(r, 431);
    if (nl < 0) {
      r.headLine_ = held + data.substring(pos);
      return NEED_MORE;
    }
    let line = held === "" ? data.substring(pos, end) : held + data.substring(pos, end);
    if (held !== "") r.headLine_ = "";
    pos = nl + 1;
    if (line.charCodeAt(line.length - 1) === 13) line = line.substring(0, line.length - 1);
    const st = line.length > MAX_LINE ? (r.reqState_ === 0 ? 414 : 431) : r.reqState_ === 0 ? requestLine(r, line) : line === "" ? headEnd(r) : headerLine(r, line);
    if (st !== 0) return failRequest(r, st);
  }
  if (r.reqState_ === 2) {
    const body = r.body_ as string;
    const take = Math.min((r.bodyLength_ as number) - body.length, n - pos);
    r.body_ = body + data.substring(pos, pos + take);
    pos += take;
    if (r.body_.length < (r.bodyLength_ as number)) return NEED_MORE;
    r.reqState_ = 3;
  }
  return pos;
}

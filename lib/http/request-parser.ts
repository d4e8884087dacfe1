/*
 * The incremental, bounded HTTP/1.x request parser. Fed a connection's data chunks (byte strings,
 * any split) as they arrive; it holds at most one line of the head, never more than MAX_LINE
 * bytes of it, and keeps only the fields the server uses (Content-Length, Transfer-Encoding's
 * presence, Accept-Encoding as "gzip or not", If-None-Match, Authorization, Host); other header
 * lines are checked for shape and dropped. A body of at most MAX_BODY bytes is collected.
 *
 * feed() returns NEED_MORE, ERROR (then `status` is the HTTP status to answer) or, once the
 * request is complete, how many bytes of that chunk it used (the rest is ignored: one request
 * per connection). Statuses: 400 malformed request line or header line (a method that is not
 * 1..16 capital letters, a version other than HTTP/1.0 or 1.1, a bad path: see path.ts, a bad
 * or conflicting Content-Length, a folded header line), 411 a Transfer-Encoding on a request
 * (bodies must have a Content-Length), 413 a Content-Length over MAX_BODY, 414 a request line
 * over MAX_LINE bytes, 431 a header line over MAX_LINE bytes or the head over MAX_HEAD bytes.
 * Timeouts are the caller's (it has the clock). Lines may end in CRLF or a bare LF; empty lines
 * before the request line are skipped.
 */
import { normalizePath } from "./path.ts";

export const MAX_LINE = 512;
export const MAX_HEAD = 4096;
export const MAX_BODY = 512;
export const MAX_METHOD = 16;

export const NEED_MORE = -1;
export const ERROR = -2;

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

/** True when `s` has a control character other than a tab (a field value must not). */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return true;
  }
  return false;
}

/** True when `s` is a non-empty token (a header name): visible ASCII without separators. */
function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c >= 127 || "\"(),/:;<=>?@[\\]{}".indexOf(s.charAt(i)) >= 0) return false;
  }
  return true;
}

export class RequestParser {
  /** The status to answer once feed() returned ERROR. */
  status: number;
  /** True once the head is complete (a body may still be arriving). */
  headDone: boolean;
  method: string;
  /** The decoded, normalised path (path.ts). */
  path: string;
  /** The raw query, without its `?`. */
  query: string;
  http10: boolean;
  /** The declared body length, -1 when absent. */
  contentLength: number;
  gzip: boolean;
  ifNoneMatch: string;
  authorization: string;
  host: string;
  body: string;
  private line_: string;
  private headBytes_: number;
  /** 0 request line, 1 header lines, 2 body, 3 done, 4 error. */
  private state_: number;
  private chunked_: boolean;

  constructor() {
    this.status = 0;
    this.headDone = false;
    this.method = "";
    this.path = "";
    this.query = "";
    this.http10 = false;
    this.contentLength = -1;
    this.gzip = false;
    this.ifNoneMatch = "";
    this.authorization = "";
    this.host = "";
    this.body = "";
    this.line_ = "";
    this.headBytes_ = 0;
    this.state_ = 0;
    this.chunked_ = false;
  }

  private fail_(status: number): number {
    this.status = status;
    this.state_ = 4;
    this.line_ = "";
    this.body = "";
    return ERROR;
  }

  /** Feeds one chunk: NEED_MORE, ERROR, or the bytes of this chunk used by the completed request. */
  feed(data: string): number {
    if (this.state_ === 4) return ERROR;
    if (this.state_ === 3) return 0;
    let pos = 0;
    const n = data.length;
    while (this.state_ < 2) {
      if (pos >= n) return NEED_MORE;
      const nl = data.indexOf("\n", pos);
      const end = nl < 0 ? n : nl;
      // MAX_LINE bytes plus the CR that may precede the LF.
      if (this.line_.length + end - pos > MAX_LINE + 1) return this.fail_(this.state_ === 0 ? 414 : 431);
      this.headBytes_ += end - pos + (nl < 0 ? 0 : 1);
      if (this.headBytes_ > MAX_HEAD) return this.fail_(431);
      this.line_ += data.substring(pos, end);
      if (nl < 0) return NEED_MORE;
      pos = nl + 1;
      let line = this.line_;
      this.line_ = "";
      if (line.charCodeAt(line.length - 1) === 13) line = line.substring(0, line.length - 1);
      if (line.length > MAX_LINE) return this.fail_(this.state_ === 0 ? 414 : 431);
      const st = this.state_ === 0 ? this.requestLine_(line) : this.headerLine_(line);
      if (st !== 0) return this.fail_(st);
    }
    if (this.state_ === 2) {
      const take = Math.min(this.contentLength - this.body.length, n - pos);
      this.body += data.substring(pos, pos + take);
      pos += take;
      if (this.body.length < this.contentLength) return NEED_MORE;
      this.state_ = 3;
    }
    return pos;
  }

  /** Parses the request line; returns 0 or an error status. */
  private requestLine_(line: string): number {
    if (line === "") return 0;
    const sp1 = line.indexOf(" ");
    const sp2 = line.indexOf(" ", sp1 + 1);
    if (sp1 <= 0 || sp2 < 0 || line.indexOf(" ", sp2 + 1) >= 0) return 400;
    if (sp1 > MAX_METHOD) return 400;
    for (let i = 0; i < sp1; i++) {
      const c = line.charCodeAt(i);
      if (c < 65 || c > 90) return 400;
    }
    const version = line.substring(sp2 + 1);
    if (version === "HTTP/1.0") this.http10 = true;
    else if (version !== "HTTP/1.1") return 400;
    let target = line.substring(sp1 + 1, sp2);
    if (target.substring(0, 7).toLowerCase() === "http://") {
      const slash = target.indexOf("/", 7);
      target = slash < 0 ? "/" : target.substring(slash);
    }
    const q = target.indexOf("?");
    if (q >= 0) {
      this.query = target.substring(q + 1);
      target = target.substring(0, q);
    }
    const path = normalizePath(target);
    if (path === null || hasControl(this.query) || this.query.indexOf(" ") >= 0) return 400;
    this.method = line.substring(0, sp1);
    this.path = path;
    this.state_ = 1;
    return 0;
  }

  /** Parses one header line (or the blank line ending the head); returns 0 or an error status. */
  private headerLine_(line: string): number {
    if (line === "") {
      this.headDone = true;
      if (this.chunked_) return 411;
      if (this.contentLength > MAX_BODY) return 413;
      this.state_ = this.contentLength > 0 ? 2 : 3;
      return 0;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) return 400;
    const name = line.substring(0, colon);
    if (!isToken(name)) return 400;
    const value = line.substring(colon + 1).trim();
    if (hasControl(value)) return 400;
    const key = name.toLowerCase();
    if (key === "content-length") {
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i);
        if (c < 48 || c > 57) return 400;
      }
      // Past 9 digits the exact number no longer matters: it is over MAX_BODY.
      const len = value.length === 0 ? -2 : value.length > 9 ? 1e9 : parseInt(value, 10);
      if (len < 0 || (this.contentLength >= 0 && this.contentLength !== len)) return 400;
      this.contentLength = len;
    } else if (key === "transfer-encoding") this.chunked_ = true;
    else if (key === "accept-encoding") this.gzip = this.gzip || acceptsGzip(value);
    else if (key === "if-none-match") this.ifNoneMatch = value;
    else if (key === "authorization") this.authorization = value;
    else if (key === "host") this.host = value;
    return 0;
  }
}

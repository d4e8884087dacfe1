/*
 * The incremental, bounded HTTP/1.x request parser, in two parts: this file, the usual request
 * (feedUsual) and what both parts share, and request-general.ts, every other chunk (feedAny)
 * and the whole parser (feedRequest). Fed a connection's data chunks (byte strings, any split)
 * as they arrive; it holds at most one line of the head, never more than MAX_LINE
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
/** feedUsual's answer for a chunk that is not the usual request: request-general.ts's feedAny takes it. */
export const OTHER = -2;

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

// The head is checked a block of whole lines at a time, with native RegExp tests and searches,
// not line by line: on Espruino every pass of a loop lexes its body again, and a loop per header
// line cost more than all the rest of a request. A block starts with the "\n" that ends the line
// before it and ends with a "\n"; each of its lines follows a "\n".
// Espruino's RegExp: a `|` makes it search again from the start of the string for every place
// tried (a cost that grows with the square of the head), so none is used; a bare `.` in a class
// is any character there, so it is escaped. The expressions are written where they are used: a
// RegExp kept in a constant holds some 20 variables for the device's life, one made at its use
// costs a moment's work.

/** Paths the server knows by name (its routes): a request for one needs no normalising. */
export type KnownPaths = { readonly [path: string]: unknown };

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

/** The value of the header line whose value starts at `from` in `block`, without the spaces around it. */
export function valueAt(block: string, from: number): string {
  return block.substring(from, block.indexOf("\n", from)).trim();
}

/**
 * Reads the fields a GET or HEAD uses (it gets a page) from a block of whole header lines.
 * Header names are case-insensitive; toLowerCase keeps every byte where it was.
 */
export function readPageFields(r: HttpRequest, block: string): void {
  const lower = block.toLowerCase();
  for (let h = find(lower, "\naccept-encoding:"); h >= 0 && !r.gzip_; h = find(lower, "\naccept-encoding:", h + 1)) r.gzip_ = acceptsGzip(valueAt(block, h + 17));
  const h = find(lower, "\nif-none-match:");
  if (h >= 0) r.ifNoneMatch_ = valueAt(block, h + 15);
}

/**
 * Takes the usual request, a GET or HEAD whose head comes whole in the connection's first chunk
 * with nothing after it, short enough that no line can be over MAX_LINE: the bytes of the chunk
 * it used (all of them), or OTHER for every other chunk, which request-general.ts's feedAny then
 * takes from its start (feedRequest there does both).
 *
 * Two native RegExp operations: a match of its request line (CRLF, from the first byte), then
 * one pass that removes every well-formed header line ("name:value\n", the name a token, the
 * value without a control byte but tab and CR), after which exactly the "\n" before them and
 * the CRLF of the empty line at the end must remain. Everything else (a split head, a body, a
 * bare LF, anything malformed) is OTHER; feedAny applies the same rules line by line and says
 * what is wrong, so this never accepts what it would refuse.
 *
 * On Espruino a function's whole text is lexed at every call, the statements after its return
 * included, so the usual request's code is this short function, and the general parser is not
 * even loaded for it (the web server keeps it in the lazy module `lazy:web-parser`).
 */
export function feedUsual(r: HttpRequest, data: string, known: KnownPaths): number {
  // (Espruino throws on a string index out of range, data[-2] included: the length comes first.)
  if (r.reqState_ === 0 && r.headLine_ === "" && data.length > 16 && data[data.length - 3] === "\n" && data[data.length - 2] === "\r") {
    const m = /^([A-Z]+) ([!-~]+) HTTP\/1\.[01]\r\n/.exec(data);
    const method = m === null ? "" : m[1];
    const line = m === null ? 0 : m[0].length;
    if ((method === "GET" || method === "HEAD") && line <= MAX_LINE + 2 && data.length - line <= MAX_LINE) {
      const block = data.substring(line - 1);
      // eslint-disable-next-line no-useless-escape -- see the note on RegExp above
      if (block.replace(/[!#-'*+\.0-9A-Z^-z\x7c~\-]+:[\t\r -~\x80-\xff]*\n/g, "") === "\n\r\n") {
        // A known path is already normal; only one that starts with "/" is looked up
        // ("constructor" is a field of every object). The query is not used.
        const target = (m as RegExpExecArray)[2];
        const q = target.indexOf("?");
        const raw = q >= 0 ? target.substring(0, q) : target;
        const path = raw[0] === "/" && known[raw] !== undefined ? raw : normalizePath(raw);
        if (path !== null) {
          r.method_ = method;
          r.path_ = path;
          if (path.substring(0, 5) !== "/api/") readPageFields(r, block);
          r.reqState_ = 3;
          return data.length;
        }
      }
    }
  }
  return OTHER;
}

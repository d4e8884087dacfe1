/*
 * The general part of the HTTP request parser (request-parser.ts has the rules and the usual
 * request): any chunk in any state, a split head, a body, a bare LF, every malformed request
 * and its status. feedRequest is the whole parser: the usual request first, then this. The
 * web server loads this part as the lazy module `lazy:web-parser` only for the requests that
 * need it (docs/MEMORY.md rule 4).
 */
import { find } from "../find.ts";
import { normalizePath } from "./path.ts";
import { feedUsual, MAX_BODY, MAX_HEAD, MAX_LINE, MAX_METHOD, NEED_MORE, OTHER, readPageFields, valueAt, type HttpRequest, type KnownPaths } from "./request-parser.ts";

/** The error answer's code for `status`: sets the request in error. */
function failRequest(r: HttpRequest, status: number): number {
  r.reqState_ = status;
  r.headLine_ = "";
  r.body_ = undefined;
  return -status;
}

/**
 * A request line the one-match form did not take: empty lines before it are skipped (and the
 * chunk fed again without them), a line not yet complete is held (414 once it cannot fit), and
 * a complete one is malformed (400) or too long (414). The value feedRequest returns; `held`
 * bytes of `text` came before this chunk.
 */
function requestLineMiss(r: HttpRequest, text: string, known: KnownPaths, held: number): number {
  let pos = 0;
  let nl = text.indexOf("\n");
  while (nl === pos || (nl === pos + 1 && text[pos] === "\r")) {
    pos = nl + 1;
    nl = text.indexOf("\n", pos);
  }
  // MAX_LINE bytes plus the CR that may precede the LF.
  if ((nl < 0 ? text.length : nl) - pos > MAX_LINE + 1) return failRequest(r, 414);
  if (nl < 0) {
    r.headLine_ = text.substring(pos);
    return NEED_MORE;
  }
  if (pos === 0) return failRequest(r, 400);
  // Of the bytes used, `held` came before this chunk.
  // eslint-disable-next-line @typescript-eslint/no-use-before-define -- the chunk again, without its empty lines
  const used = feedAny(r, text.substring(pos), known);
  return used >= 0 ? used + pos - held : used;
}

/** True when a line of text between the "\n"s at `from` and `to` is over MAX_LINE bytes (its CR not counted). */
function hasLongLine(text: string, from: number, to: number): boolean {
  for (let a = from + 1; a < to; ) {
    const nl = text.indexOf("\n", a);
    if (nl - a - (text.charCodeAt(nl - 1) === 13 ? 1 : 0) > MAX_LINE) return true;
    a = nl + 1;
  }
  return false;
}

/**
 * Reads the fields the server uses from a block of whole header lines; 0, or the status of an
 * error. A GET or HEAD has no body and no token (and gets a page: readPageFields); other
 * methods get no page. A GET under /api/ (JSON, never a page) reads none.
 */
function readFields(r: HttpRequest, block: string): number {
  if (block === "" || (r.method_ === "GET" && (r.path_ as string).substring(0, 5) === "/api/")) return 0;
  if (r.method_ === "GET" || r.method_ === "HEAD") {
    readPageFields(r, block);
    return 0;
  }
  const lower = block.toLowerCase();
  for (let h = find(lower, "\ncontent-length:"); h >= 0; h = find(lower, "\ncontent-length:", h + 1)) {
    const value = valueAt(block, h + 16);
    // Past 9 digits the exact number no longer matters: it is over MAX_BODY.
    const len = value.length > 9 ? 1e9 : parseInt(value, 10);
    if (value.length === 0 || /[^0-9]/.test(value) || (r.bodyLength_ !== undefined && r.bodyLength_ !== len)) return 400;
    r.bodyLength_ = len;
  }
  if (find(lower, "\ntransfer-encoding:") >= 0) return 411;
  const h = find(lower, "\nauthorization:");
  if (h >= 0) r.authorization_ = valueAt(block, h + 15);
  return 0;
}

/**
 * After the head of a request that may have a body: the body's bytes from `at` in `text`; the
 * value feedRequest returns. `held` is how many bytes of `text` came before this chunk.
 */
function feedBody(r: HttpRequest, text: string, at: number, held: number): number {
  if (r.reqState_ === 1) {
    const len = r.bodyLength_ === undefined ? 0 : r.bodyLength_;
    if (len > MAX_BODY) return failRequest(r, 413);
    r.reqState_ = len > 0 ? 2 : 3;
    if (len === 0) return at - held;
    r.body_ = "";
  }
  // In state 2 the length is known and over 0.
  const want = r.bodyLength_ as number;
  const body = r.body_ as string;
  const take = Math.min(want - body.length, text.length - at);
  r.body_ = body + text.substring(at, at + take);
  if (r.body_.length < want) return NEED_MORE;
  r.reqState_ = 3;
  return at + take - held;
}

/**
 * Any chunk, in any state: the parser of every rule (feedRequest takes only the usual request
 * whole in one chunk, and hands everything else here, from the start of that chunk).
 */
export function feedAny(r: HttpRequest, data: string, known: KnownPaths): number {
  if (r.reqState_ >= 2) return r.reqState_ === 2 ? feedBody(r, data, 0, 0) : r.reqState_ === 3 ? 0 : -r.reqState_;
  let text = data;
  if (r.headLine_ !== "") {
    text = r.headLine_ + data;
    r.headLine_ = "";
  }
  // The request line: a method of capitals, a target of visible ASCII bytes, HTTP/1.0 or 1.1, one
  // space between them, and the line's end (CRLF or a bare LF), in one native match from the
  // first byte. What it does not match (empty lines first, a line not yet complete or too long,
  // a malformed one) is sorted out by requestLineMiss.
  let pos = 0;
  if (r.reqState_ === 0) {
    const m = /^([A-Z]+) ([!-~]+) HTTP\/1\.[01](\r*)\n/.exec(text);
    if (m === null) return requestLineMiss(r, text, known, text.length - data.length);
    const method = m[1];
    const line = m[0].length - 1 - m[3].length;
    if (line > MAX_LINE) return failRequest(r, 414);
    if (method.length > MAX_METHOD || m[3].length > 1) return failRequest(r, 400);
    // The query is not used: its bytes are visible ASCII. A known path is already normal; only
    // one that starts with "/" is looked up ("constructor" is a field of every object).
    const target = m[2];
    const q = target.indexOf("?");
    const raw = q >= 0 ? target.substring(0, q) : target;
    const path = raw[0] === "/" && known[raw] !== undefined ? raw : normalizePath(raw);
    if (path === null) return failRequest(r, 400);
    r.method_ = method;
    r.path_ = path;
    r.reqState_ = 1;
    pos = m[0].length - 1;
    r.headBytes_ = pos + 1;
  }
  // text[pos] is a "\n": the header lines follow it, up to the empty line that ends the head.
  // One RegExp search finds the first line that is empty or whose name is not a token followed
  // by its colon: an empty name (the leading `:*` takes its colon), a byte that is not a token
  // byte (a line without a colon: its CR or LF is one). An empty line, CRLF or a bare LF, is
  // matched whole ("\n\r\n" or "\n\n"): the end of the head; any other match is a bad line. A
  // line not yet complete matches only if its name is already bad, or if it is a lone CR.
  // Searching for the end with indexOf instead cost more (Espruino's indexOf compares afresh
  // at every position). The g flag makes lastIndex count where it starts, here and in Node.
  // eslint-disable-next-line no-useless-escape -- see the note on RegExp above
  const lines = /\n:*[^:\n]*[^!#-'*+\.0-9A-Z^-z\x7c~:\-]/g;
  lines.lastIndex = pos;
  const stop = lines.exec(text);
  let end = -1;
  let skip = 0;
  if (stop !== null) {
    const found = stop[0];
    if (found === "\n\r\n" || found === "\n\n") {
      end = stop.index;
      skip = found.length;
    } else if (found !== "\n\r" || stop.index + 2 < text.length) return failRequest(r, 400);
    // (A CR that ends the text may be the first half of the empty line's CRLF: more is needed.)
  }
  const last = end >= 0 ? end : text.lastIndexOf("\n");
  // Bytes of the head read so far, and of the unfinished line held for the next chunk (with its "\n").
  r.headBytes_ += last - pos + (end >= 0 ? skip - 1 : 0);
  const held = end >= 0 ? 0 : text.length - last;
  if (r.headBytes_ + held > MAX_HEAD || held > MAX_LINE + 2) return failRequest(r, 431);
  // The whole lines: no line over MAX_LINE (looked for only when the block could hold one),
  // and no control byte but a tab and the line's CR (class items are all read for every byte
  // tested, so the class is short).
  if (last - pos > MAX_LINE + 1 && hasLongLine(text, pos, last)) return failRequest(r, 431);
  const block = last > pos ? text.substring(pos, last + 1) : "";
  if (/[^\t\r\n -~\x80-\xff]/.test(block)) return failRequest(r, 400);
  const status = readFields(r, block);
  if (status > 0) return failRequest(r, status);
  if (end < 0) {
    r.headLine_ = text.substring(last);
    return NEED_MORE;
  }
  // The end of the head. A GET or HEAD has no body (one sent is not read).
  if (r.method_ === "GET" || r.method_ === "HEAD") {
    r.reqState_ = 3;
    return end + skip - (text.length - data.length);
  }
  return feedBody(r, text, end + skip, text.length - data.length);
}


/** Feeds one chunk to the whole parser: NEED_MORE, minus the status to answer, or the bytes of this chunk used by the completed request. */
export function feedRequest(r: HttpRequest, data: string, known: KnownPaths): number {
  const u = feedUsual(r, data, known);
  return u !== OTHER ? u : feedAny(r, data, known);
}

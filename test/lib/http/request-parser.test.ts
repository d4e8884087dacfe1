import { test } from "node:test";
import assert from "node:assert/strict";
import { acceptsGzip, MAX_BODY, NEED_MORE, startRequest, type HttpRequest } from "../../../lib/http/request-parser.ts";
import { feedRequest as feedV8 } from "../../../lib/http/request-general.ts";
import { withEspruinoStrings } from "../../helpers/espruino-strings.ts";

/** The parser as it runs on Espruino, whose String.indexOf has a quirk (lib/find.ts). */
/** The paths the server knows by name are taken as they are (web.ts passes its routes). */
const KNOWN = { "/api/status": 1, "/api/led": 1 };
const feedRequest = (p: HttpRequest, data: string): number => withEspruinoStrings(() => feedV8(p, data, KNOWN));

const newRequest = (): HttpRequest => startRequest({});

/** Feeds `chunks` and returns the request and the last result. */
function parse(chunks: string[]): { p: HttpRequest; r: number } {
  const p = newRequest();
  let r = NEED_MORE;
  for (const c of chunks) {
    r = feedRequest(p, c);
    if (r !== NEED_MORE) break;
  }
  return { p, r };
}

function statusOf(text: string): number {
  const { r } = parse([text]);
  return r < NEED_MORE ? -r : r === NEED_MORE ? -1 : 200;
}

/** A deterministic pseudo-random generator (tests must be repeatable). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function randomSplit(text: string, rand: () => number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const n = 1 + Math.floor(rand() * 40);
    out.push(text.substring(i, i + n));
    i += n;
  }
  return out;
}

const FULL =
  "POST /api/led?x=1 HTTP/1.1\r\nHost: device\r\nAccept-Encoding: gzip, deflate\r\n" +
  'If-None-Match: "abc"\r\nAuthorization: Bearer t0k\r\nX-Other: dropped\r\nContent-Length: 6\r\n\r\ntoggleEXTRA';

test("a complete request gives its method, path (without the query), kept headers and body", () => {
  const { p, r } = parse([FULL]);
  assert.equal(r, FULL.length - "EXTRA".length);
  assert.equal(p.method_, "POST");
  assert.equal(p.path_, "/api/led");
  assert.equal(p.authorization_, "Bearer t0k");
  assert.equal(p.bodyLength_, 6);
  assert.equal(p.body_, "toggle");
});

test("a GET keeps what a page needs (gzip, If-None-Match), a POST what a command needs (length, token)", () => {
  const head = 'Accept-Encoding: gzip\r\nIf-None-Match: "abc"\r\nAuthorization: Bearer t0k\r\n';
  const g = parse(["GET /about HTTP/1.1\r\n" + head + "\r\n"]).p;
  assert.deepEqual([g.gzip_, g.ifNoneMatch_, g.authorization_], [true, '"abc"', undefined]);
  const h = parse(["HEAD /about HTTP/1.1\r\n" + head + "\r\n"]).p;
  assert.deepEqual([h.gzip_, h.ifNoneMatch_], [true, '"abc"']);
  const q = parse(["POST /api/led HTTP/1.1\r\n" + head + "Content-Length: 2\r\n\r\non"]).p;
  assert.deepEqual([q.gzip_, q.ifNoneMatch_, q.authorization_, q.body_], [undefined, undefined, "Bearer t0k", "on"]);
});

test("a GET under /api/ keeps no header field (the API has no pages)", () => {
  const { p, r } = parse(['GET /api/status HTTP/1.1\r\nAccept-Encoding: gzip\r\nIf-None-Match: "abc"\r\n\r\n']);
  assert.ok(r > 0);
  assert.deepEqual([p.gzip_, p.ifNoneMatch_], [undefined, undefined]);
  assert.equal(statusOf("GET /api/status HTTP/1.1\r\nBad Name: x\r\n\r\n"), 400);
});

test("header names are matched whatever their case, values without the spaces around them", () => {
  const { p } = parse(["GET / HTTP/1.1\r\nACCEPT-encoding:   x-gzip  \r\nif-NONE-match:\t\"e\"\r\n\r\n"]);
  assert.deepEqual([p.gzip_, p.ifNoneMatch_], [true, '"e"']);
});

test("a header line of 512 bytes is accepted, 513 is 431, in one chunk or byte by byte", () => {
  const line = (n: number) => "X-Pad: " + "p".repeat(n - 7);
  for (const [n, want] of [[512, 200], [513, 431]] as const) {
    const text = "GET / HTTP/1.1\r\nHost: x\r\n" + line(n) + "\r\nAccept: */*\r\n\r\n";
    assert.equal(statusOf(text), want, `${n} in one chunk`);
    const { r } = parse(text.split(""));
    assert.equal(r < NEED_MORE ? -r : 200, want, `${n} byte by byte`);
  }
});

test("a head ends at its first empty line, bare LF or CRLF, whatever follows it in the chunk", () => {
  assert.equal(statusOf("GET / HTTP/1.1\nHost: x\n\n"), 200);
  for (const [text, used] of [
    ["GET / HTTP/1.1\nHost: x\n\nmore\r\n\r\n", 24],
    ["GET / HTTP/1.1\r\nHost: x\r\n\r\nmore\n\n", 27],
    ["GET / HTTP/1.1\r\nHost: x\n\r\nmore\r\n\r\n", 26],
  ] as const) {
    const { r } = parse([text]);
    assert.equal(r, used, JSON.stringify(text));
  }
  // A lone CR line that is not the end of the head is a bad line.
  assert.equal(statusOf("GET / HTTP/1.1\r\nHost: x\r\n\rX: y\r\n\r\n"), 400);
});

test("a head of many short lines in one large chunk is checked line by line", () => {
  assert.equal(statusOf("GET / HTTP/1.1\r\n" + "X-A: 1\r\n".repeat(60) + "\r\n"), 200);
  assert.equal(statusOf("GET / HTTP/1.1\r\n" + "X-A: 1\r\n".repeat(60) + "nocolon\r\n\r\n"), 400);
  assert.equal(statusOf("GET / HTTP/1.1\r\n" + "X-A: 1\r\n".repeat(30) + "X-B: \x01\r\n" + "X-A: 1\r\n".repeat(30) + "\r\n"), 400);
});

test("a header name may hold any token byte, | and ` included", () => {
  assert.equal(statusOf("GET / HTTP/1.1\r\nX|Y`~!#$%&'*+-.^_: 1\r\n\r\n"), 200);
  assert.equal(statusOf("GET / HTTP/1.1\r\nX(Y: 1\r\n\r\n"), 400);
  assert.equal(statusOf("GET / HTTP/1.1\r\nX\tY: 1\r\n\r\n"), 400);
});

test("headers that were not sent leave their fields unset", () => {
  const { p, r } = parse(["GET / HTTP/1.1\r\nHost: x\r\n\r\n"]);
  assert.ok(r > 0);
  assert.deepEqual([p.gzip_, p.ifNoneMatch_, p.authorization_, p.bodyLength_, p.body_], [undefined, undefined, undefined, undefined, undefined]);
});

test("every random split of the same request gives the same parse", () => {
  const rand = rng(42);
  const want = parse([FULL]).p;
  for (let k = 0; k < 300; k++) {
    const { p, r } = parse(randomSplit(FULL, rand));
    assert.ok(r > 0);
    for (const f of ["method_", "path_", "gzip_", "ifNoneMatch_", "authorization_", "bodyLength_", "body_"] as const) {
      assert.equal(p[f], want[f], f);
    }
  }
});

test("a request fed one byte at a time parses the same", () => {
  const { p } = parse(FULL.split(""));
  assert.equal(p.body_, "toggle");
  assert.equal(p.authorization_, "Bearer t0k");
});

test("the head is incomplete until the blank line", () => {
  const p = newRequest();
  assert.equal(feedRequest(p, "GET / HTTP/1.1\r\nHost: x\r\n"), NEED_MORE);
  assert.ok(p.reqState_ < 2);
  assert.equal(feedRequest(p, "\r\n"), 2);
  assert.equal(p.reqState_, 3);
});

test("empty lines before the request line count in the bytes used, split between chunks too", () => {
  assert.equal(parse(["\r\n\r\nGET / HTTP/1.1\r\n\r\nX"]).r, 22);
  assert.equal(parse(["\r", "\nGET / HTTP/1.1\r\n\r\nX"]).r, 19);
  assert.equal(parse(["\n", "\n", "GET / HTTP/1.1\n\nX"]).r, 16);
});

test("bare LF line ends, leading empty lines and HTTP/1.0 are accepted", () => {
  const { p, r } = parse(["\r\n\nGET /about HTTP/1.0\nHost: x\n\n"]);
  assert.ok(r > 0);
  assert.equal(p.path_, "/about");
});

test("a body is awaited until Content-Length bytes arrived (a lying length leaves it waiting)", () => {
  const p = newRequest();
  assert.equal(feedRequest(p, "POST /api/led HTTP/1.1\r\nContent-Length: 10\r\n\r\non"), NEED_MORE);
  assert.equal(p.reqState_, 2);
  assert.equal(p.body_, "on");
});

test("an absent Content-Length means no body", () => {
  const { p, r } = parse(["POST /api/led HTTP/1.1\r\n\r\non"]);
  assert.equal(r, "POST /api/led HTTP/1.1\r\n\r\n".length);
  assert.equal(p.body_, undefined);
  assert.equal(p.bodyLength_, undefined);
});

test("a Content-Length over 512 is 413 without reading the body", () => {
  assert.equal(statusOf(`POST /api/led HTTP/1.1\r\nContent-Length: ${MAX_BODY + 1}\r\n\r\n`), 413);
  assert.equal(statusOf("POST /api/led HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"), 413);
});

test("a 2 KB POST is 413", () => {
  assert.equal(statusOf("POST /api/led HTTP/1.1\r\nContent-Length: 2048\r\n\r\n" + "x".repeat(2048)), 413);
});

test("a body of exactly 512 bytes is read", () => {
  const { p } = parse(["POST /setup HTTP/1.1\r\nContent-Length: 512\r\n\r\n" + "a".repeat(512)]);
  assert.equal(p.body_?.length, 512);
});

test("a bad or conflicting Content-Length is 400", () => {
  assert.equal(statusOf("POST / HTTP/1.1\r\nContent-Length: 12a\r\n\r\n"), 400);
  assert.equal(statusOf("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 400);
  assert.equal(statusOf("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n"), 400);
  assert.equal(statusOf("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"), 400);
});

test("a repeated equal Content-Length is accepted", () => {
  assert.equal(statusOf("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\non"), 200);
});

test("a Transfer-Encoding on a request is 411", () => {
  assert.equal(statusOf("POST /api/led HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\non\r\n0\r\n\r\n"), 411);
});

test("a 3 KB URL is 414", () => {
  assert.equal(statusOf("GET /" + "a".repeat(3072) + " HTTP/1.1\r\n\r\n"), 414);
});

test("a request line of 512 bytes is accepted, 513 is 414", () => {
  const line = (n: number) => "GET /" + "a".repeat(n - "GET / HTTP/1.1".length) + " HTTP/1.1";
  assert.equal(line(512).length, 512);
  assert.equal(statusOf(line(512) + "\r\n\r\n"), 200);
  assert.equal(statusOf(line(513) + "\r\n\r\n"), 414);
});

test("a 414 is decided before the line ends, holding at most 513 bytes", () => {
  const p = newRequest();
  assert.equal(feedRequest(p, "GET /" + "a".repeat(600)), -414);
  assert.equal(p.headLine_.length, 0);
});

test("a header line over 512 bytes is 431", () => {
  assert.equal(statusOf("GET / HTTP/1.1\r\nX-Big: " + "b".repeat(600) + "\r\n\r\n"), 431);
});

test("a 64 KB header flood is 431 once the head passes 4 KB", () => {
  const p = newRequest();
  let r = feedRequest(p, "GET / HTTP/1.1\r\n");
  let fed = 0;
  while (r === NEED_MORE && fed < 65536) {
    r = feedRequest(p, "X-Flood: " + "f".repeat(40) + "\r\n");
    fed += 51;
  }
  assert.equal(r, -431);
  assert.ok(fed <= 4096 + 51, `stopped after ${fed} bytes`);
});

test("garbage request lines are 400", () => {
  for (const g of ["garbage", "\x00\x01\x02 \xff", "GET", "GET /", "GET / HTTP/1.1 extra", "get / HTTP/1.1", "GET / HTTP/2.0", "GET / FTP/1.0", "G3T / HTTP/1.1", " GET / HTTP/1.1"]) {
    assert.equal(statusOf(g + "\r\n\r\n"), 400, JSON.stringify(g));
  }
});

test("a method of 200 letters is 400", () => {
  assert.equal(statusOf("A".repeat(200) + " / HTTP/1.1\r\n\r\n"), 400);
});

test("an unknown method of capital letters is parsed (the server answers 405 or 404)", () => {
  const { p } = parse(["DELETE /api/led HTTP/1.1\r\n\r\n"]);
  assert.equal(p.method_, "DELETE");
});

test("path escapes /../../, %00 and %zz are 400", () => {
  for (const t of ["/../../etc/passwd", "/a/..", "/%2e%2e/x", "/a%00b", "/%zz", "/%4", "/a b", "relative"]) {
    assert.equal(statusOf(`GET ${t} HTTP/1.1\r\n\r\n`), 400, t);
  }
});

test("a target that names a field every object inherits is 400, not a known path", () => {
  for (const t of ["constructor", "toString", "hasOwnProperty", "__proto__"]) assert.equal(statusOf("GET " + t + " HTTP/1.1\r\n\r\n"), 400, t);
});

test("a header line without a colon, with a bad name or folded is 400", () => {
  assert.equal(statusOf("GET / HTTP/1.1\r\nnocolon\r\n\r\n"), 400);
  assert.equal(statusOf("GET / HTTP/1.1\r\n: x\r\n\r\n"), 400);
  // An empty name whatever follows its colon (more colons, nothing, a bare LF), and a good line with colons in its value.
  for (const l of ["::x", ":", ":::", "::\tx"]) assert.equal(statusOf("GET / HTTP/1.1\r\n" + l + "\r\n\r\n"), 400, l);
  assert.equal(statusOf("GET / HTTP/1.1\n::x\n\n"), 400);
  assert.equal(statusOf("GET / HTTP/1.1\r\nHost: a:80\r\nX-T: 1:2:3\r\n\r\n"), 200);
  assert.equal(statusOf("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"), 400);
  assert.equal(statusOf("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n"), 400);
  assert.equal(statusOf("GET / HTTP/1.1\r\nA: b\x00c\r\n\r\n"), 400);
});

test("an absolute-form target is reduced to its path", () => {
  const { p } = parse(["GET http://device.local/status?q HTTP/1.1\r\n\r\n"]);
  assert.equal(p.path_, "/status");
});

test("after an error or completion, further data changes nothing", () => {
  const p = newRequest();
  assert.equal(feedRequest(p, "GET /" + "a".repeat(600)), -414);
  assert.equal(feedRequest(p, "GET / HTTP/1.1\r\n\r\n"), -414);
  const q = newRequest();
  assert.ok(feedRequest(q, "GET / HTTP/1.1\r\n\r\n") > 0);
  assert.equal(feedRequest(q, "more"), 0);
});

test("Accept-Encoding is read as gzip or not", () => {
  assert.equal(acceptsGzip("gzip"), true);
  assert.equal(acceptsGzip("deflate, GZIP;q=0.5"), true);
  assert.equal(acceptsGzip("*"), true);
  assert.equal(acceptsGzip("gzip;q=0"), false);
  assert.equal(acceptsGzip("gzip; q=0.000"), false);
  assert.equal(acceptsGzip("br, deflate"), false);
  assert.equal(acceptsGzip(""), false);
});

test("a query is not kept but must be well formed: a control character in it is 400", () => {
  assert.equal(statusOf("GET /status?a=1&b=2 HTTP/1.1\r\n\r\n"), 200);
  assert.equal(statusOf("GET /status?a=\x01 HTTP/1.1\r\n\r\n"), 400);
});

test("a head whole in one chunk (one RegExp pass) is judged as when it comes a byte at a time (line by line)", () => {
  // The one-pass way is taken only for a whole head in one chunk: fed a byte at a time, every
  // line goes the longer way. Heads with a byte put in at random (control bytes, space, colon,
  // CR, LF, high bytes, token bytes) must get the same answer and the same fields both ways.
  const base = "GET /api/status HTTP/1.1\r\nHost: x\r\nUser-Agent: Mozilla/5.0 (X11)\r\nAccept: */*\r\nAccept-Encoding: gzip\r\nIf-None-Match: \"e1\"\r\n\r\n";
  const page = base.replace("/api/status", "/");
  const bytes = ["\x00", "\x01", "\x08", "\t", "\x0b", "\x1f", " ", ":", "\r", "\n", "\x7f", "\x80", "\xff", "(", "a", "\r\n", "\n\r\n"];
  const next = rng(7);
  let fast = 0;
  for (let i = 0; i < 600; i++) {
    const head = i % 2 === 0 ? base : page;
    // After the request line, before the last CRLF.
    const at = 26 + Math.floor(next() * (head.length - 28));
    const text = head.substring(0, at) + bytes[Math.floor(next() * bytes.length)] + head.substring(at);
    const whole = parse([text]);
    const split = parse(text.split(""));
    const answer = (x: { r: number }) => (x.r < NEED_MORE ? x.r : x.r === NEED_MORE ? "more" : "done");
    assert.equal(answer(whole), answer(split), JSON.stringify(text));
    if (whole.r > 0) {
      fast++;
      assert.deepEqual([whole.p.gzip_, whole.p.ifNoneMatch_], [split.p.gzip_, split.p.ifNoneMatch_], JSON.stringify(text));
    }
  }
  assert.ok(fast > 100, `only ${fast} heads were accepted`);
});

/**
 * `text` as Espruino indexes a string: reading an index out of range throws ("Field or method
 * "-2" does not already exist, and can't create it on String") where Node gives undefined.
 */
function espruinoString(text: string): string {
  const boxed = Object(text) as object;
  return new Proxy(boxed, {
    get(target, key) {
      if (typeof key === "string" && /^-?\d+$/.test(key) && (Number(key) < 0 || Number(key) >= text.length)) throw new Error(`Field or method "${key}" does not already exist, and can't create it on String`);
      const v = Reflect.get(target, key) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(text) : v;
    },
  }) as unknown as string;
}

test("chunks of any size, one byte included, never index a string out of range (Espruino throws there)", () => {
  for (const text of ["GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\nHost: x\n\n", "\r\nGET / HTTP/1.1\r\n\r\n", "POST /api/led HTTP/1.1\r\nContent-Length: 2\r\n\r\non"]) {
    for (const size of [1, 2, 3, 5, 17, 1000]) {
      const p = newRequest();
      let r = NEED_MORE;
      for (let at = 0; at < text.length && r === NEED_MORE; at += size) r = feedRequest(p, espruinoString(text.substring(at, at + size)));
      assert.ok(r > 0, `${JSON.stringify(text)} in chunks of ${size}: ${r}`);
    }
  }
});

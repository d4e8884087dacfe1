import { before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { JSON_TYPE, responseHead } from "../../../../lib/http/response.ts";
import {
  advance,
  auth,
  board,
  connect,
  device,
  get,
  installPages,
  loadWeb,
  LONG_TEMPLATE,
  logs,
  MAX_CLIENTS,
  mem,
  PAGE,
  parseReply,
  post,
  pump,
  request,
  resetDevice,
  storage,
  TEMPLATE,
  TEST_VERSION,
  web,
  wifi,
} from "./fakes.ts";

before(loadWeb);

beforeEach(() => {
  resetDevice();
  installPages();
});

/** Takes `n` once-a-second samples. */
function samples(n: number): void {
  for (let i = 0; i < n; i++) {
    advance(1000);
    device.sampleTick();
  }
}

const dataLines = (out: string): string[] => out.split("\n\n").filter((l) => l.startsWith("data: "));

test("GET / streams the page from Storage with type, length, ETag, Vary and Connection: close", () => {
  const res = request(get("/"));
  assert.equal(res.status, 200);
  assert.equal(res.reason, "OK");
  assert.equal(res.headers["content-type"], "text/html;charset=utf-8");
  assert.equal(res.headers["content-length"], String(PAGE.length));
  assert.equal(res.headers["connection"], "close");
  assert.equal(res.headers["vary"], "Accept-Encoding");
  assert.match(res.headers["etag"], /^"[0-9a-f]+"$/);
  assert.equal(res.headers["content-encoding"], undefined);
  assert.equal(res.body, PAGE);
  assert.equal(device.clients(), 0);
});

test("a page is written as its head and first piece, then one piece of at most PIECE_BYTES per drain", () => {
  const s = connect();
  s.send(get("/"));
  assert.equal(s.sent.length, 1);
  const head = s.sent[0].substring(0, s.sent[0].indexOf("\r\n\r\n") + 4);
  assert.ok(s.sent[0].length - head.length <= web.PIECE_BYTES);
  for (let i = 0; i < 100 && !s.ended; i++) {
    const before = s.sent.length;
    s.drain();
    assert.ok(s.sent.length <= before + 1, "more than one write per drain");
  }
  assert.equal(s.ended, true);
  assert.ok(s.sent.length >= Math.ceil(PAGE.length / web.PIECE_BYTES));
  for (const w of s.sent.slice(1)) assert.ok(w.length <= web.PIECE_BYTES, `a write of ${w.length} bytes`);
  assert.ok(storage.reads.every((r) => r.length === undefined || r.length <= web.PIECE_BYTES));
  s.close();
  assert.equal(parseReply(s).body, PAGE);
});

test("a client that accepts gzip gets the gzip file with Content-Encoding, Vary and its own ETag", () => {
  const plain = request(get("/"));
  const res = request(get("/", "Accept-Encoding: gzip, deflate\r\n"));
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-encoding"], "gzip");
  assert.equal(res.headers["vary"], "Accept-Encoding");
  assert.equal(Number(res.headers["content-length"]), res.body.length);
  assert.equal(gunzipSync(Buffer.from(res.body, "latin1")).toString("latin1"), PAGE);
  assert.notEqual(res.headers["etag"], plain.headers["etag"]);
});

test("If-None-Match with the ETag gives 304 without a body", () => {
  const first = request(get("/about"));
  const res = request(get("/about", `If-None-Match: ${first.headers["etag"]}\r\n`));
  assert.equal(res.status, 304);
  assert.equal(res.reason, "Not Modified");
  assert.equal(res.body, "");
  assert.equal(res.headers["etag"], first.headers["etag"]);
  assert.equal(res.headers["content-length"], undefined);
});

test("the plain ETag does not match the gzip representation", () => {
  const plain = request(get("/about"));
  const res = request(get("/about", `Accept-Encoding: gzip\r\nIf-None-Match: ${plain.headers["etag"]}\r\n`));
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-encoding"], "gzip");
});

test("If-None-Match with another ETag gives the page", () => {
  const res = request(get("/about", 'If-None-Match: "other"\r\n'));
  assert.equal(res.status, 200);
  assert.equal(res.body, "<p>about</p>");
});

test("after a 304, a new connection with another If-None-Match gets 200: nothing leaks between connections", () => {
  const tag = request(get("/about")).headers["etag"];
  assert.equal(request(get("/about", `If-None-Match: ${tag}\r\n`)).status, 304);
  const res = request(get("/about", 'If-None-Match: "x"\r\n'));
  assert.equal(res.status, 200);
  assert.equal(res.body, "<p>about</p>");
  assert.equal(request(get("/about")).status, 200);
});

test("HEAD gives the head only, with the length of the body", () => {
  const res = request("HEAD / HTTP/1.1\r\n\r\n");
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-length"], String(PAGE.length));
  assert.equal(res.body, "");
});

test("HEAD of the API gives its head only", () => {
  const res = request("HEAD /api/status HTTP/1.1\r\n\r\n");
  assert.equal(res.status, 200);
  assert.ok(Number(res.headers["content-length"]) > 0);
  assert.equal(res.body, "");
});

test("HTTP/1.0 requests are answered the same way", () => {
  const res = request("GET /about HTTP/1.0\r\n\r\n");
  assert.equal(res.status, 200);
  assert.equal(res.headers["connection"], "close");
  assert.equal(res.body, "<p>about</p>");
});

test("a request split one byte per packet is answered", () => {
  const res = request(get("/about").split(""));
  assert.equal(res.status, 200);
  assert.equal(res.body, "<p>about</p>");
});

test("/status is rendered from the template with the values, escaped, and an exact length", () => {
  advance(12345);
  wifi.ip = "1.2.3.4<b>";
  const res = request(get("/status"));
  assert.equal(res.status, 200);
  assert.equal(res.headers["cache-control"], "no-store");
  assert.equal(res.body, `<p>up 12345 (12s) free 1300 of 1600 ip 1.2.3.4&lt;b&gt; rssi -60 (-60 dBm) led 0 a0 512 clients 1 wifi up ${board.deviceName}<>`);
  assert.equal(Number(res.headers["content-length"]), res.body.length);
  assert.ok(TEMPLATE.includes("{{nope}}"));
});

test("/status as an access point says rssi na", () => {
  device.dev.wifi_ = "ap";
  const res = request(get("/status"));
  assert.match(res.body, / ip 192\.168\.4\.1 rssi na \(none \(not on a network\)\) .* wifi ap /);
});

test("a template longer than a piece goes out in pieces of at most TEMPLATE_PIECE bytes, each literal byte read once, with an exact length", () => {
  advance(777);
  storage.reads = [];
  const s = connect();
  s.send(get("/long"));
  pump(s);
  const res = parseReply(s);
  const want = LONG_TEMPLATE.replace(/\{\{led\}\}/g, "0").replace(/\{\{uptime\}\}/g, "777");
  assert.equal(res.body, want);
  assert.equal(Number(res.headers["content-length"]), want.length);
  // Literal text and values joined into full pieces after the head, not a write per run and per slot.
  assert.equal(s.sent.length, 1 + Math.ceil(want.length / web.TEMPLATE_PIECE));
  for (const w of s.sent.slice(1)) assert.ok(w.length <= web.TEMPLATE_PIECE, `a write of ${w.length} bytes`);
  // The length comes from the slot table: the template's literal bytes are read once, for sending.
  const literal = LONG_TEMPLATE.replace(/\{\{(led|uptime)\}\}/g, "").length;
  const template = storage.reads.filter((r) => r.name === "w.4" && r.length !== undefined);
  assert.equal(template.reduce((a, r) => a + (r.length as number), 0), literal);
});

test("a template whose slot table is missing is 404, logged, and nothing else breaks", () => {
  storage.files.delete("w.3.t");
  const res = request(get("/status"));
  assert.equal(res.status, 404);
  assert.ok(logs.some((l) => l.includes("missing Storage file w.3.t")), logs.join("\n"));
  assert.equal(request(get("/about")).status, 200);
});

test("/api/status gives the device's values as JSON", () => {
  advance(4321);
  const res = request(get("/api/status"));
  assert.equal(res.headers["content-type"], "application/json");
  assert.equal(res.headers["cache-control"], "no-store");
  assert.equal(Number(res.headers["content-length"]), res.body.length);
  assert.deepEqual(JSON.parse(res.body), {
    name: board.deviceName,
    version: TEST_VERSION,
    uptime: 4321,
    free: 1300,
    total: 1600,
    led: 0,
    a0: 512,
    ip: "192.168.1.50",
    rssi: -60,
    clients: 1,
    wifi: "up",
    token: false,
  });
});

test("/api/status says when a control token is set (the setting, never the token)", () => {
  auth.useToken("s3cret");
  const res = request(get("/api/status"));
  assert.equal(JSON.parse(res.body).token, true);
  assert.doesNotMatch(res.body, /s3cret/);
});

test("the API's answers have exactly the head responseHead writes (200, JSON, no-store)", () => {
  for (const req of [get("/api/status"), get("/api/led"), post("/api/led", "on")]) {
    const res = request(req);
    assert.equal(res.raw, responseHead(200, JSON_TYPE, res.body.length, "Cache-Control: no-store\r\n") + res.body, req);
  }
});

test("/api/status gives rssi null when the device is not connected as a station", () => {
  device.dev.wifi_ = "connecting";
  const j = JSON.parse(request(get("/api/status")).body);
  assert.equal(j.rssi, null);
  assert.equal(j.wifi, "connecting");
});

test("/api/samples gives the history as JSON with an exact length, streamed in pieces", () => {
  samples(70);
  const s = connect();
  s.send(get("/api/samples"));
  pump(s);
  const res = parseReply(s);
  assert.equal(res.status, 200);
  assert.equal(Number(res.headers["content-length"]), res.body.length);
  const j = JSON.parse(res.body);
  assert.deepEqual(j.fields, ["seq", "ms", "a0", "free", "led"]);
  assert.equal(j.samples.length, device.HISTORY_SIZE);
  assert.deepEqual(j.samples[0], [11, 11000, 512, 1300, 0]);
  assert.deepEqual(
    j.samples.map((r: number[]) => r[0]),
    Array.from({ length: 60 }, (_, i) => 11 + i),
  );
  assert.ok(s.sent.length > 2);
  for (const w of s.sent.slice(1)) assert.ok(w.length <= web.PIECE_BYTES + 40);
});

test("/api/samples with no sample yet is an empty list", () => {
  const res = request(get("/api/samples"));
  assert.deepEqual(JSON.parse(res.body).samples, []);
  assert.equal(Number(res.headers["content-length"]), res.body.length);
});

test("GET /api/led gives the LED", () => {
  device.dev.led_ = 1;
  assert.deepEqual(JSON.parse(request(get("/api/led")).body), { led: 1 });
});

test("POST /api/led turns the LED on, off and toggles it", () => {
  assert.deepEqual(JSON.parse(request(post("/api/led", "on")).body), { led: 1 });
  assert.equal(device.dev.led_, 1);
  assert.deepEqual(JSON.parse(request(post("/api/led", '{"led":0}')).body), { led: 0 });
  assert.equal(device.dev.led_, 0);
  assert.deepEqual(JSON.parse(request(post("/api/led", "toggle")).body), { led: 1 });
  assert.deepEqual(JSON.parse(request(post("/api/led", "toggle")).body), { led: 0 });
});

test("POST /api/led with a bad body is 400 in JSON", () => {
  const res = request(post("/api/led", "blink"));
  assert.equal(res.status, 400);
  assert.deepEqual(JSON.parse(res.body), { error: 400, message: "Bad Request" });
  assert.equal(device.dev.led_, 0);
});

test("a POST without Content-Length has an empty body: 400", () => {
  assert.equal(request("POST /api/led HTTP/1.1\r\n\r\non").status, 400);
  assert.equal(device.dev.led_, 0);
});

test("POST /api/led without the token, when one is set, is 401 with WWW-Authenticate: Bearer", () => {
  auth.useToken("s3cret");
  const res = request(post("/api/led", "on"));
  assert.equal(res.status, 401);
  assert.equal(res.headers["www-authenticate"], 'Bearer realm="device"');
  assert.equal(device.dev.led_, 0);
});

test("POST /api/led with a wrong token is 401 saying invalid_token", () => {
  auth.useToken("s3cret");
  const res = request(post("/api/led", "on", "Authorization: Bearer nope\r\n"));
  assert.equal(res.status, 401);
  assert.match(res.headers["www-authenticate"], /^Bearer .*error="invalid_token"/);
  assert.equal(device.dev.led_, 0);
});

test("POST /api/led with the right token works; GET needs none", () => {
  auth.useToken("s3cret");
  const res = request(post("/api/led", "on", "Authorization: bearer s3cret\r\n"));
  assert.equal(res.status, 200);
  assert.equal(device.dev.led_, 1);
  assert.equal(request(get("/api/led")).status, 200);
});

test("a known path with another method is 405 with Allow", () => {
  const a = request("DELETE /api/led HTTP/1.1\r\n\r\n");
  assert.equal(a.status, 405);
  assert.equal(a.headers["allow"], "GET, POST, HEAD");
  const b = request(post("/", "x"));
  assert.equal(b.status, 405);
  assert.equal(b.headers["allow"], "GET, HEAD");
  assert.equal(request(post("/api/status", "x")).headers["allow"], "GET, HEAD");
  assert.equal(request("PUT /setup HTTP/1.1\r\n\r\n").headers["allow"], "GET, POST, HEAD");
});

test("a target that names a field every object inherits (constructor, toString) is answered 400", () => {
  for (const t of ["constructor", "toString", "hasOwnProperty"]) assert.equal(request("GET " + t + " HTTP/1.1\r\n\r\n").status, 400, t);
});

test("an unknown path is 404 in HTML, and in JSON under /api/", () => {
  const a = request(get("/nope"));
  assert.equal(a.status, 404);
  assert.match(a.headers["content-type"], /^text\/html/);
  assert.equal(Number(a.headers["content-length"]), a.body.length);
  const b = request(get("/api/nope"));
  assert.equal(b.status, 404);
  assert.equal(b.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(b.body), { error: 404, message: "Not Found" });
});

test("a page whose Storage file is missing is 404 and logged", () => {
  storage.files.delete("w.1");
  assert.equal(request(get("/about")).status, 404);
  assert.ok(logs.some((l) => l.includes("missing Storage file w.1")));
});

test("without an asset index every page is 404", () => {
  storage.files.delete(web.INDEX_FILE);
  assert.equal(request(get("/")).status, 404);
});

for (const [name, req, status] of [
  ["a garbage request line", "garbage\r\n\r\n", 400],
  ["a method of 200 letters", "A".repeat(200) + " / HTTP/1.1\r\n\r\n", 400],
  ["/../../", get("/../../"), 400],
  ["%00", get("/a%00"), 400],
  ["%zz", get("/%zz"), 400],
  ["HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 400],
  ["a bad Content-Length", "POST /api/led HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400],
  ["a 3 KB URL", get("/" + "u".repeat(3072)), 414],
  ["a 2 KB POST", post("/api/led", "x".repeat(2048)), 413],
  ["a header line over 512 bytes", get("/", "X-Long: " + "l".repeat(600) + "\r\n"), 431],
  ["a chunked body", "POST /api/led HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\non\r\n0\r\n\r\n", 411],
] as const) {
  test(`${name} is ${status}, with a length and Connection: close`, () => {
    const res = request(req);
    assert.equal(res.status, status);
    assert.equal(Number(res.headers["content-length"]), res.body.length);
    assert.ok(res.body.length > 0);
    assert.equal(res.headers["connection"], "close");
    assert.equal(device.clients(), 0);
  });
}

test("a 64 KB header flood is 431 and the server stops reading it", () => {
  const s = connect();
  s.send("GET / HTTP/1.1\r\n");
  let sent = 0;
  for (let i = 0; i < 1300 && !s.ended; i++) {
    s.send("X-Flood: " + "f".repeat(40) + "\r\n");
    sent++;
  }
  assert.ok(sent < 1300, "the server read the whole flood");
  pump(s);
  const res = parseReply(s);
  assert.equal(res.status, 431);
  assert.equal(res.reason, "Request Header Fields Too Large");
  assert.equal(Number(res.headers["content-length"]), res.body.length);
  assert.equal(device.clients(), 0);
});

test("data after the answer is ignored", () => {
  const s = connect();
  s.send(get("/about"));
  const out = s.out;
  s.send(get("/"));
  assert.equal(s.out, out);
});

test("a head not complete TIMEOUT_S seconds after the connect is 408", () => {
  const s = connect();
  s.send("GET / HTTP/1.1\r\nHost: d\r\n");
  advance(web.TIMEOUT_S * 1000 - 100);
  web.webTick();
  assert.equal(s.out, "");
  advance(100);
  web.webTick();
  pump(s);
  const res = parseReply(s);
  assert.equal(res.status, 408);
  assert.equal(res.reason, "Request Timeout");
  assert.equal(res.headers["connection"], "close");
  assert.equal(device.clients(), 0);
});

test("a head arriving one byte a second is 408 after the timeout from the connect", () => {
  const s = connect();
  const text = get("/");
  for (let i = 0; i < text.length && !s.ended; i++) {
    s.send(text[i]);
    advance(1000);
    web.webTick();
  }
  pump(s);
  assert.match(s.out, /^HTTP\/1\.1 408 /);
});

test("a body shorter than its Content-Length is 408 TIMEOUT_S seconds after its last piece", () => {
  const s = connect();
  s.send("POST /api/led HTTP/1.1\r\nContent-Length: 10\r\n\r\n");
  advance(3000);
  s.send("on");
  advance(web.TIMEOUT_S * 1000 - 100);
  web.webTick();
  assert.equal(s.out, "");
  advance(100);
  web.webTick();
  pump(s);
  assert.equal(parseReply(s).status, 408);
  assert.equal(device.dev.led_, 0);
});

test("a body that keeps arriving within the timeout is read", () => {
  const s = connect();
  s.send("POST /api/led HTTP/1.1\r\nContent-Length: 6\r\n\r\n");
  for (const c of "toggle") {
    advance(web.TIMEOUT_S * 1000 - 1000);
    web.webTick();
    s.send(c);
  }
  pump(s);
  assert.match(s.out, /^HTTP\/1\.1 200 /);
  assert.equal(device.dev.led_, 1);
});

test("webTick does not time out an answer being sent", () => {
  const s = connect();
  s.send(get("/"));
  advance(web.TIMEOUT_S * 2000);
  web.webTick();
  pump(s);
  const res = parseReply(s);
  assert.equal(res.status, 200);
  assert.equal(res.body, PAGE);
});

test("more clients than the budget: the extra one gets 503 with Retry-After, then the others are served", () => {
  const ok = [];
  for (let i = 0; i < MAX_CLIENTS; i++) ok.push(connect());
  const extra = request(get("/about"));
  assert.equal(extra.status, 503);
  assert.equal(extra.reason, "Service Unavailable");
  assert.equal(extra.headers["retry-after"], String(web.RETRY_AFTER));
  assert.ok(logs.includes("http: refused, no socket"));
  for (const s of ok) {
    s.send(get("/about"));
    pump(s);
    assert.equal(parseReply(s).status, 200);
  }
  assert.equal(device.clients(), 0);
  assert.equal(request(get("/about")).status, 200);
});

test("a refused client that sends nothing is answered 503 after a second", () => {
  for (let i = 0; i < MAX_CLIENTS; i++) connect();
  const s = connect();
  web.webTick();
  assert.equal(s.out, "");
  advance(1000);
  web.webTick();
  pump(s);
  assert.equal(parseReply(s).status, 503);
  assert.equal(s.closed, true);
});

test("a refused client holds its socket until it is answered", () => {
  for (let i = 0; i < MAX_CLIENTS; i++) connect();
  connect();
  assert.equal(device.clients(), MAX_CLIENTS + 1);
});

test("a killed HTTP socket whose close is still queued does not count against the budget", () => {
  const ok = [];
  for (let i = 0; i < MAX_CLIENTS; i++) ok.push(connect());
  ok[2].kill();
  assert.equal(request(get("/about")).status, 200);
});

test("a socket whose answer has all gone after end() does not count against the budget; one still sending does", () => {
  const ok = [];
  for (let i = 0; i < MAX_CLIENTS; i++) ok.push(connect());
  // One answered and ended, its bytes still queued: it holds its socket.
  ok[0].send(get("/api/led"));
  assert.equal(ok[0].ended, true);
  assert.equal(request(get("/about")).status, 503);
  // Its bytes have gone: Espruino closes it at its next poll.
  ok[0].drain();
  assert.equal(ok[0].closed, false);
  assert.equal(request(get("/about")).status, 200);
});

test("low memory gives 503 and gives the socket back", () => {
  mem.free = 100;
  const res = request(get("/"));
  assert.equal(res.status, 503);
  assert.ok(res.headers["retry-after"]);
  assert.equal(device.clients(), 0);
  assert.ok(logs.includes("http: refused, low memory"));
});

test("the general parser is loaded for a request that needs it, not for the usual GET, and dropped with a collection after a tick without one", () => {
  web.webTick();
  web.webTick();
  assert.equal(web.parserLoaded(), false);
  assert.equal(request(get("/api/led")).status, 200);
  assert.equal(web.parserLoaded(), false, "the usual GET needs only feedUsual");
  assert.equal(request(post("/api/led", "on")).status, 200);
  assert.equal(web.parserLoaded(), true);
  web.webTick();
  assert.equal(web.parserLoaded(), true, "used since the last tick");
  const before = mem.collections;
  web.webTick();
  assert.equal(web.parserLoaded(), false);
  assert.equal(mem.collections, before + 1, "the drop collects the module's garbage");
  const beforeLoad = mem.collections;
  assert.equal(request(["GET /api/led HT", "TP/1.1\r\n\r\n"]).status, 200, "a split head loads it again");
  assert.ok(mem.collections > beforeLoad, "after a collection");
  assert.equal(web.parserLoaded(), true);
});

test("a request that needs the general parser when too little memory is left for it (taken since the connect) is 503 with Retry-After, and nothing is loaded", () => {
  web.webTick();
  web.webTick();
  const s = connect();
  mem.free = device.GUARD_VARS + web.PARSER_VARS - 1;
  s.send(post("/api/led", "on"));
  pump(s);
  const res = parseReply(s);
  assert.equal(res.status, 503);
  assert.ok(res.headers["retry-after"]);
  assert.equal(web.parserLoaded(), false);
  assert.equal(device.dev.led_, 0);
  mem.free = 1300;
  const t = connect();
  mem.free = device.GUARD_VARS + web.PARSER_VARS - 1;
  mem.afterGc = device.GUARD_VARS + web.PARSER_VARS;
  t.send(post("/api/led", "on"));
  pump(t);
  assert.equal(parseReply(t).status, 200, "a collection that frees enough lets it load");
});

test("a client that closes mid-response stops the stream and gives its socket back", () => {
  const s = connect();
  s.send(get("/"));
  s.drain();
  const writes = s.sent.length;
  const reads = storage.reads.length;
  s.close();
  s.emit("drain");
  assert.equal(s.sent.length, writes);
  assert.equal(storage.reads.length, reads);
  assert.equal(device.clients(), 0);
  assert.equal(request(get("/about")).status, 200);
});

test("/events sends a head without a length, then one data line per webTick with the newest sample", () => {
  const s = connect();
  s.send(get("/events"));
  assert.match(s.out, /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/event-stream\r\n/);
  assert.doesNotMatch(s.out, /Content-Length/);
  assert.ok(s.out.endsWith("\r\n\r\nretry: 3000\n\n"));
  s.drain();
  samples(1);
  web.webTick();
  s.drain();
  samples(1);
  web.webTick();
  s.drain();
  assert.deepEqual(dataLines(s.out), ["data: 1,1000,512,1300,0", "data: 2,2000,512,1300,0"]);
  assert.equal(s.ended, false);
  s.close();
  assert.equal(device.clients(), 0);
});

test("/events sends nothing before the first sample", () => {
  const s = connect();
  s.send(get("/events"));
  s.drain();
  web.webTick();
  assert.deepEqual(dataLines(s.out), []);
});

test("/events is never timed out", () => {
  const s = connect();
  s.send(get("/events"));
  s.drain();
  for (let i = 0; i < web.TIMEOUT_S * 3; i++) {
    samples(1);
    web.webTick();
    s.drain();
  }
  assert.equal(s.ended, false);
  assert.equal(dataLines(s.out).length, web.TIMEOUT_S * 3);
});

test("/events drops samples for a listener whose last data is not sent yet", () => {
  const s = connect();
  s.send(get("/events"));
  s.drain();
  samples(1);
  web.webTick();
  samples(1);
  web.webTick();
  samples(1);
  web.webTick();
  assert.equal(dataLines(s.out).length, 1);
  s.drain();
  samples(1);
  web.webTick();
  assert.deepEqual(dataLines(s.out), ["data: 1,1000,512,1300,0", "data: 4,4000,512,1300,0"]);
});

test("/events past the board's listener cap is 503 with Retry-After; a freed place admits the next", () => {
  const listeners = [];
  for (let i = 0; i < board.sseListeners; i++) {
    const s = connect();
    s.send(get("/events"));
    listeners.push(s);
  }
  const res = request(get("/events"));
  assert.equal(res.status, 503);
  assert.ok(res.headers["retry-after"]);
  listeners[0].close();
  const again = connect();
  again.send(get("/events"));
  assert.match(again.out, /^HTTP\/1\.1 200 /);
});

test("/events under low memory is 503", () => {
  const s = connect();
  mem.free = 100;
  s.send(get("/events"));
  pump(s);
  assert.equal(parseReply(s).status, 503);
});

test("POST /setup as an access point saves the network once the answer has gone, never showing or logging the password", () => {
  device.dev.wifi_ = "ap";
  const s = connect();
  s.send(post("/setup", "ssid=Home+Net&password=hunter2hunter2"));
  assert.deepEqual(wifi.connects, []);
  pump(s);
  const res = parseReply(s);
  assert.equal(res.status, 200);
  assert.ok(res.body.includes("Home Net"));
  assert.ok(!res.raw.includes("hunter2"));
  assert.deepEqual(wifi.connects, [["Home Net", "hunter2hunter2"]]);
  assert.equal(wifi.saved, 1);
  assert.ok(logs.some((l) => l.includes("Home Net")));
  assert.ok(!logs.join("\n").includes("hunter2"), logs.join("\n"));
});

test("POST /setup escapes the network name in its page", () => {
  device.dev.wifi_ = "ap";
  const res = request(post("/setup", "ssid=%3Cb%3E&password="));
  assert.equal(res.status, 200);
  assert.ok(res.body.includes("&lt;b&gt;"));
  assert.ok(!res.body.includes("<b>"));
  assert.deepEqual(wifi.connects, [["<b>", ""]]);
});

test("POST /setup as a station with a token set needs the token, as the form field or a Bearer header", () => {
  auth.useToken("s3cret");
  const res = request(post("/setup", "ssid=x&password=12345678"));
  assert.equal(res.status, 401);
  assert.equal(request(post("/setup", "ssid=x&password=12345678&token=nope")).status, 401);
  assert.equal(wifi.connects.length, 0);
  assert.equal(request(post("/setup", "ssid=x&password=12345678&token=s3cret")).status, 200);
  assert.equal(request(post("/setup", "ssid=y&password=12345678", "Authorization: Bearer s3cret\r\n")).status, 200);
  assert.deepEqual(
    wifi.connects.map((c) => c[0]),
    ["x", "y"],
  );
  assert.ok(!logs.join("\n").includes("s3cret"));
});

test("POST /setup as an access point needs no token", () => {
  auth.useToken("s3cret");
  device.dev.wifi_ = "ap";
  assert.equal(request(post("/setup", "ssid=x&password=12345678")).status, 200);
});

test("POST /setup with a bad network name or password is 400 and saves nothing", () => {
  device.dev.wifi_ = "ap";
  for (const body of ["ssid=&password=12345678", "password=12345678", "ssid=x&password=short", "ssid=" + "n".repeat(33), "ssid=x&password=" + "p".repeat(65), "ssid=%zz"]) {
    const res = request(post("/setup", body));
    assert.equal(res.status, 400, body);
    assert.equal(Number(res.headers["content-length"]), res.body.length, body);
  }
  assert.equal(wifi.connects.length, 0);
  assert.ok(!logs.join("\n").includes("short"));
});

test("POST /setup takes a 32-byte name and a password of 8 to 63 characters, 64 hex digits, or none", () => {
  device.dev.wifi_ = "ap";
  assert.equal(request(post("/setup", "ssid=" + "n".repeat(32) + "&password=" + "p".repeat(63))).status, 200);
  assert.equal(request(post("/setup", "ssid=hex&password=" + "0123456789abcdef".repeat(4))).status, 200);
  assert.equal(request(post("/setup", "ssid=open")).status, 200);
  assert.equal(request(post("/setup", "ssid=long&password=" + "p".repeat(64))).status, 400, "64 characters that are not hex digits");
  assert.equal(wifi.connects.length, 3);
});

test("GET /api/networks answers once the radio's scan ends: the networks it sees, strongest first", () => {
  wifi.scanMs = web.TIMEOUT_S * 1000 + 100;
  const s = connect();
  s.send(get("/api/networks"));
  pump(s);
  assert.equal(s.out, "", "nothing before the scan ends");
  advance(web.TIMEOUT_S * 1000 - 100);
  web.webTick();
  assert.equal(s.out, "", "no 408 while the radio scans");
  advance(200);
  pump(s);
  const res = parseReply(s);
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(res.body), { networks: [{ ssid: "Home", rssi: -55, open: false }, { ssid: "Cafe", rssi: -72, open: true }] });
});

test("GET /api/networks under low memory is 503, and POST is 405", () => {
  mem.free = 100;
  const res = request(get("/api/networks"));
  assert.equal(res.status, 503);
  mem.free = 1300;
  assert.equal(request(post("/api/networks", "x")).status, 405);
});

test("GET /setup serves the form page", () => {
  assert.equal(request(get("/setup")).body, "<form method=post>");
});

test("every request gives its socket back", () => {
  samples(3);
  for (const req of [get("/"), get("/status"), get("/api/samples"), post("/api/led", "on"), get("/x"), "bad\r\n\r\n", "HEAD /events HTTP/1.1\r\n\r\n"]) {
    request(req);
    assert.equal(device.clients(), 0, req);
  }
});

test("a failed request is logged with its method, path and status; a served one is not", () => {
  request(get("/about"));
  request(get("/nope"));
  assert.ok(logs.includes("http GET /nope 404"), logs.join("\n"));
  assert.ok(!logs.some((l) => l.startsWith("http GET /about")), logs.join("\n"));
});

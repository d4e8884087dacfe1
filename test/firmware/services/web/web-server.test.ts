import { test } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { get, PAGE, post, request, rig, TEMPLATE } from "./fakes.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("GET / streams the page from Storage with type, length, ETag, Vary and Connection: close", async () => {
  const r = rig();
  const res = await request(r, get("/"));
  assert.equal(res.status, 200);
  assert.equal(res.reason, "OK");
  assert.equal(res.headers["content-type"], "text/html;charset=utf-8");
  assert.equal(res.headers["content-length"], String(PAGE.length));
  assert.equal(res.headers["connection"], "close");
  assert.equal(res.headers["vary"], "Accept-Encoding");
  assert.match(res.headers["etag"], /^"[0-9a-f]+"$/);
  assert.equal(res.body, PAGE);
});

test("a page is written in pieces no bigger than the chunk, each after the last drained", async () => {
  const r = rig();
  const res = await request(r, get("/"));
  const body = res.sock.writes.slice(1);
  assert.ok(body.length >= Math.ceil(PAGE.length / 268));
  for (const w of body) assert.ok(w.length <= 268);
  assert.ok(r.storage.reads.every((x) => x.length === undefined || x.length <= 268));
});

test("a client that accepts gzip gets the gzip file with Content-Encoding and its own ETag", async () => {
  const r = rig();
  const plain = await request(r, get("/"));
  const res = await request(r, get("/", "Accept-Encoding: gzip, deflate\r\n"));
  assert.equal(res.headers["content-encoding"], "gzip");
  assert.equal(Number(res.headers["content-length"]), res.body.length);
  assert.equal(gunzipSync(Buffer.from(res.body, "latin1")).toString("latin1"), PAGE);
  assert.notEqual(res.headers["etag"], plain.headers["etag"]);
});

test("If-None-Match with the ETag gives 304 without a body", async () => {
  const r = rig();
  const first = await request(r, get("/about"));
  const res = await request(r, get("/about", `If-None-Match: ${first.headers["etag"]}\r\n`));
  assert.equal(res.status, 304);
  assert.equal(res.reason, "Not Modified");
  assert.equal(res.body, "");
  assert.equal(res.headers["etag"], first.headers["etag"]);
});

test("If-None-Match with another ETag gives the page", async () => {
  const r = rig();
  assert.equal((await request(r, get("/about", 'If-None-Match: "other"\r\n'))).status, 200);
});

test("HEAD gives the head only, with the length of the body", async () => {
  const r = rig();
  const res = await request(r, "HEAD / HTTP/1.1\r\n\r\n");
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-length"], String(PAGE.length));
  assert.equal(res.body, "");
});

test("HTTP/1.0 requests are answered the same way", async () => {
  const r = rig();
  const res = await request(r, "GET /about HTTP/1.0\r\n\r\n");
  assert.equal(res.status, 200);
  assert.equal(res.headers["connection"], "close");
  assert.equal(res.body, "<p>about</p>");
});

test("/status is rendered from the template with the values, escaped, and an exact length", async () => {
  const r = rig();
  r.device.name = "a<b";
  const res = await request(r, get("/status"));
  assert.equal(res.status, 200);
  assert.equal(
    res.body,
    "<p>up 12345 free 1100 of 1600 ip 192.168.1.50 rssi -60 led 0 a0 512 clients 1 a&lt;b<>",
  );
  assert.equal(Number(res.headers["content-length"]), res.body.length);
  assert.ok(TEMPLATE.includes("{{nope}}"));
});

test("/status is written slot by slot, never as one string", async () => {
  const r = rig();
  const res = await request(r, get("/status"));
  assert.ok(res.sock.writes.length > 10);
  assert.ok(res.sock.writes.includes("12345"));
});

test("/api/status gives the device's values as JSON", async () => {
  const r = rig();
  const res = await request(r, get("/api/status"));
  assert.equal(res.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(res.body), {
    name: "espruino-test", version: "0.1.0", uptime: 12345, free: 1100, total: 1600, led: 0, a0: 512,
    ip: "192.168.1.50", rssi: -60, clients: 1, wifi: "up",
  });
});

test("/api/status gives rssi null where there is no radio", async () => {
  const r = rig();
  r.device.rssi = () => null;
  assert.equal(JSON.parse((await request(r, get("/api/status"))).body).rssi, null);
});

test("/api/samples gives the history as JSON with an exact length, streamed", async () => {
  const r = rig();
  const res = await request(r, get("/api/samples"));
  const j = JSON.parse(res.body);
  assert.equal(Number(res.headers["content-length"]), res.body.length);
  assert.equal(j.samples.length, 60);
  assert.deepEqual(j.samples[0], [1, 1000, 17, 1001, 1]);
  assert.ok(res.sock.writes.length > 3);
});

test("GET /api/led gives the LED", async () => {
  const r = rig();
  r.device.ledValue = 1;
  assert.deepEqual(JSON.parse((await request(r, get("/api/led"))).body), { led: 1 });
});

test("POST /api/led turns the LED on, off and toggles it", async () => {
  const r = rig();
  assert.deepEqual(JSON.parse((await request(r, post("/api/led", "on"))).body), { led: 1 });
  assert.equal(r.device.ledValue, 1);
  assert.deepEqual(JSON.parse((await request(r, post("/api/led", '{"led":0}'))).body), { led: 0 });
  assert.deepEqual(JSON.parse((await request(r, post("/api/led", "toggle"))).body), { led: 1 });
});

test("POST /api/led with a bad body is 400 in JSON", async () => {
  const r = rig();
  const res = await request(r, post("/api/led", "blink"));
  assert.equal(res.status, 400);
  assert.deepEqual(JSON.parse(res.body), { error: 400, message: "Bad Request" });
  assert.equal(r.device.ledValue, 0);
});

test("POST /api/led without the token, when one is set, is 401 with WWW-Authenticate: Bearer", async () => {
  const r = rig({ token: "s3cret" });
  const res = await request(r, post("/api/led", "on"));
  assert.equal(res.status, 401);
  assert.match(res.headers["www-authenticate"], /^Bearer /);
  assert.equal(r.device.ledValue, 0);
});

test("POST /api/led with a wrong token is 401 saying invalid_token", async () => {
  const r = rig({ token: "s3cret" });
  const res = await request(r, post("/api/led", "on", "Authorization: Bearer nope\r\n"));
  assert.equal(res.status, 401);
  assert.match(res.headers["www-authenticate"], /invalid_token/);
});

test("POST /api/led with the right token works", async () => {
  const r = rig({ token: "s3cret" });
  const res = await request(r, post("/api/led", "on", "Authorization: bearer s3cret\r\n"));
  assert.equal(res.status, 200);
  assert.equal(r.device.ledValue, 1);
});

test("a known path with another method is 405 with Allow", async () => {
  const r = rig();
  const a = await request(r, "DELETE /api/led HTTP/1.1\r\n\r\n");
  assert.equal(a.status, 405);
  assert.equal(a.headers["allow"], "GET, POST, HEAD");
  const b = await request(r, post("/", "x"));
  assert.equal(b.status, 405);
  assert.equal(b.headers["allow"], "GET, HEAD");
});

test("an unknown path is 404 in HTML, and in JSON under /api/", async () => {
  const r = rig();
  const a = await request(r, get("/nope"));
  assert.equal(a.status, 404);
  assert.match(a.headers["content-type"], /^text\/html/);
  assert.equal(Number(a.headers["content-length"]), a.body.length);
  const b = await request(r, get("/api/nope"));
  assert.equal(b.status, 404);
  assert.deepEqual(JSON.parse(b.body), { error: 404, message: "Not Found" });
});

for (const [name, req, status] of [
  ["a garbage request line", "garbage\r\n\r\n", 400],
  ["a method of 200 letters", "A".repeat(200) + " / HTTP/1.1\r\n\r\n", 400],
  ["/../../", get("/../../"), 400],
  ["%00", get("/a%00"), 400],
  ["%zz", get("/%zz"), 400],
  ["a 3 KB URL", get("/" + "u".repeat(3072)), 414],
  ["a 2 KB POST", post("/api/led", "x".repeat(2048)), 413],
  ["a header line over 512 bytes", get("/", "X-Long: " + "l".repeat(600) + "\r\n"), 431],
  ["a chunked body", "POST /api/led HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\non\r\n0\r\n\r\n", 411],
] as const) {
  test(`${name} is ${status}, with a length and Connection: close`, async () => {
    const r = rig();
    const res = await request(r, req);
    assert.equal(res.status, status);
    assert.equal(Number(res.headers["content-length"]), res.body.length);
    assert.equal(res.headers["connection"], "close");
    assert.equal(r.budget.used, 0);
  });
}

test("a 64 KB header flood is 431 and the server stops reading it", async () => {
  const r = rig();
  const sock = r.net.connect();
  sock.send("GET / HTTP/1.1\r\n");
  for (let i = 0; i < 1300 && !sock.ended; i++) sock.send("X-Flood: " + "f".repeat(40) + "\r\n");
  await sock.whenClosed;
  assert.match(sock.out, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  assert.equal(r.budget.used, 0);
});

test("a head not complete within the timeout is 408", async () => {
  const r = rig();
  const res = await request(r, "GET / HTTP/1.1\r\nHost: d\r\n");
  assert.equal(res.status, 408);
  assert.equal(res.reason, "Request Timeout");
});

test("a head arriving one byte at a time is 408 after the timeout from connect", async () => {
  const r = rig();
  const sock = r.net.connect();
  const text = get("/");
  for (let i = 0; i < text.length && !sock.ended; i++) {
    sock.send(text[i]);
    await wait(10);
  }
  await sock.whenClosed;
  assert.match(sock.out, /^HTTP\/1\.1 408 /);
});

test("a body shorter than its Content-Length is 408 once it stops arriving", async () => {
  const r = rig();
  const res = await request(r, "POST /api/led HTTP/1.1\r\nContent-Length: 10\r\n\r\non");
  assert.equal(res.status, 408);
  assert.equal(r.device.ledValue, 0);
});

test("a body that keeps arriving within the timeout is read", async () => {
  const r = rig();
  const sock = r.net.connect();
  sock.send("POST /api/led HTTP/1.1\r\nContent-Length: 6\r\n\r\n");
  for (const c of "toggle") {
    await wait(40);
    sock.send(c);
  }
  await sock.whenClosed;
  assert.match(sock.out, /^HTTP\/1\.1 200 /);
  assert.equal(r.device.ledValue, 1);
});

test("a POST without Content-Length has an empty body: 400", async () => {
  const r = rig();
  assert.equal((await request(r, "POST /api/led HTTP/1.1\r\n\r\non")).status, 400);
});

test("more clients than the budget: the extra one gets 503 with Retry-After, then others are served", async () => {
  const r = rig({ sockets: 2 });
  const a = r.net.connect();
  const b = r.net.connect();
  const extra = await request(r, get("/about"));
  assert.equal(extra.status, 503);
  assert.equal(extra.reason, "Service Unavailable");
  assert.match(extra.headers["retry-after"], /^\d+$/);
  a.send(get("/about"));
  b.send(get("/about"));
  await Promise.all([a.whenClosed, b.whenClosed]);
  assert.equal(r.budget.used, 0);
  assert.equal((await request(r, get("/about"))).status, 200);
});

test("a refused client that sends nothing is answered 503 after a second", async () => {
  const r = rig({ sockets: 0 });
  const sock = r.net.connect();
  await sock.whenClosed;
  assert.match(sock.out, /^HTTP\/1\.1 503 /);
});

test("low memory gives 503 and gives the socket back", async () => {
  const r = rig();
  r.device.low = true;
  const res = await request(r, get("/"));
  assert.equal(res.status, 503);
  assert.equal(r.budget.used, 0);
});

test("a client that closes mid-response stops the stream and gives its socket back", async () => {
  const r = rig();
  const sock = r.net.connect();
  sock.autoDrain = false;
  sock.send(get("/"));
  sock.drainNow();
  const writes = sock.writes.length;
  sock.peerClose();
  sock.drainNow();
  await wait(5);
  assert.equal(sock.writes.length, writes);
  assert.equal(r.budget.used, 0);
  assert.equal((await request(r, get("/about"))).status, 200);
});

test("/events sends one data line per sample as CSV", async () => {
  const r = rig();
  const sock = r.net.connect();
  sock.send(get("/events"));
  await wait(5);
  assert.match(sock.out, /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/event-stream\r\n/);
  assert.doesNotMatch(sock.out, /Content-Length/);
  const s = r.history.tick();
  await wait(5);
  r.history.tick();
  await wait(5);
  assert.ok(sock.out.includes(`data: ${s.seq},${s.ms},${s.a0},${s.free},${s.led}\n\n`));
  assert.equal((sock.out.match(/data: /g) ?? []).length, 2);
  sock.peerClose();
  assert.equal(r.history.subscribers.length, 0);
  assert.equal(r.server.listeners(), 0);
});

test("/events drops samples for a listener that has not read the last one", async () => {
  const r = rig();
  const sock = r.net.connect();
  sock.autoDrain = false;
  sock.send(get("/events"));
  sock.drainNow();
  r.history.tick();
  r.history.tick();
  r.history.tick();
  assert.equal((sock.out.match(/data: /g) ?? []).length, 1);
  sock.drainNow();
  r.history.tick();
  assert.equal((sock.out.match(/data: /g) ?? []).length, 2);
  sock.peerClose();
});

test("/events past the board's listener cap is 503 with Retry-After", async () => {
  const r = rig({ sseMax: 1 });
  const first = r.net.connect();
  first.send(get("/events"));
  const res = await request(r, get("/events"));
  assert.equal(res.status, 503);
  assert.ok(res.headers["retry-after"]);
  first.peerClose();
  const again = r.net.connect();
  again.send(get("/events"));
  await wait(5);
  assert.match(again.out, /^HTTP\/1\.1 200 /);
  again.peerClose();
});

test("POST /setup as an access point saves the network after the answer, never echoing the password", async () => {
  const r = rig();
  r.device.wifi = "ap";
  const res = await request(r, post("/setup", "ssid=Home+Net&password=hunter2hunter2"));
  assert.equal(res.status, 200);
  assert.ok(res.body.includes("Home Net"));
  assert.ok(!res.raw.includes("hunter2"));
  assert.ok(!r.logs.join("\n").includes("hunter2"));
  assert.deepEqual(r.wifi.calls, [["Home Net", "hunter2hunter2"]]);
});

test("POST /setup as a station with a token set needs the token", async () => {
  const r = rig({ token: "s3cret" });
  const res = await request(r, post("/setup", "ssid=x&password=12345678"));
  assert.equal(res.status, 401);
  assert.equal(r.wifi.calls.length, 0);
  const ok = await request(r, post("/setup", "ssid=x&password=12345678&token=s3cret"));
  assert.equal(ok.status, 200);
  assert.equal(r.wifi.calls.length, 1);
});

test("POST /setup with a bad network name or password is 400 and saves nothing", async () => {
  const r = rig();
  r.device.wifi = "ap";
  for (const body of ["ssid=&password=12345678", "ssid=x&password=short", "ssid=" + "n".repeat(33), "ssid=%zz"]) {
    assert.equal((await request(r, post("/setup", body))).status, 400, body);
  }
  assert.equal(r.wifi.calls.length, 0);
});

test("GET /setup serves the form page", async () => {
  const r = rig();
  assert.equal((await request(r, get("/setup"))).body, "<form method=post>");
});

test("every request gives its socket back", async () => {
  const r = rig();
  for (const req of [get("/"), get("/status"), get("/api/samples"), post("/api/led", "on"), get("/x"), "bad\r\n\r\n"]) await request(r, req);
  assert.equal(r.budget.used, 0);
});

test("close stops listening", () => {
  const r = rig();
  r.server.close();
  assert.equal(r.net.closed, true);
});

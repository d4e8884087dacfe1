/*
 * End to end: the built sim bundle in the simulator, its Storage holding the web build, every
 * route and status of docs/WEB.md over real sockets on 127.0.0.1, and the bad inputs
 * of issue 5, each followed by a good request and a check that sockets came back.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { connect, type Socket } from "node:net";
import { startWebSim, type WebSim } from "./sim-rig.ts";
import { GET, parseRaw, POST, rawRequest, type RawOptions, type RawReply } from "./raw-http.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens /events; `head` resolves with the response head. */
function openStream(port: number): { sock: Socket; head: Promise<string>; text: () => string } {
  const sock = connect(port, "127.0.0.1");
  sock.on("error", () => {});
  let text = "";
  const head = new Promise<string>((resolve) => {
    sock.on("data", (d) => {
      text += d.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) resolve(text.substring(0, end + 2));
    });
    sock.on("close", () => resolve(text));
  });
  sock.on("connect", () => sock.write(GET("/events")));
  return { sock, head, text: () => text };
}

/** Listens to /events until `n` data lines arrived (or `timeoutMs`). */
async function listen(port: number, n: number, timeoutMs: number): Promise<{ head: string; lines: string[] }> {
  const s = openStream(port);
  const head = await s.head;
  const until = Date.now() + timeoutMs;
  let lines: string[] = [];
  while (Date.now() < until) {
    lines = s.text().split("\n").filter((l) => l.startsWith("data: "));
    if (lines.length >= n) break;
    await wait(50);
  }
  s.sock.destroy();
  return { head, lines: lines.slice(0, n) };
}

/**
 * Sends `req` and resolves with the answer as soon as its Content-Length has arrived, without
 * waiting for the device to close: what a browser or an HTTP library does.
 */
function untilAnswered(port: number, req: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    const done = (): void => {
      sock.destroy();
      resolve(parseRaw(buf));
    };
    sock.on("error", reject);
    sock.on("close", done);
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf("\r\n\r\n");
      const len = /content-length: *(\d+)/i.exec(buf.subarray(0, Math.max(end, 0)).toString("latin1"));
      if (end >= 0 && len && buf.length >= end + 4 + Number(len[1])) done();
    });
    sock.on("connect", () => sock.write(req));
  });
}

function assertWellFormed(r: RawReply): void {
  assert.equal(r.headers["connection"], "close");
  if (r.status !== 304) {
    assert.ok(r.headers["content-type"], "Content-Type");
    assert.equal(Number(r.headers["content-length"]), r.body.length, "Content-Length");
  }
}

describe("web server on the simulator", () => {
  let w: WebSim;
  let port: number;
  let baseline: number;
  const req = (r: string | string[], o: RawOptions = {}) => rawRequest(port, r, o);
  /** Waits (up to 3 s) for the device to close the connections of the last test. */
  const settled = async (): Promise<void> => {
    for (let i = 0; i < 60 && w.sim.sockets().used !== baseline; i++) await wait(50);
  };

  before(async () => {
    w = await startWebSim();
    port = w.sim.ports.http;
    await wait(1200); // one sample in the history
    baseline = w.sim.sockets().used;
  });
  after(async () => {
    await w?.stop();
  });

  test("GET / gives the dashboard from Storage, plain", async () => {
    const r = await req(GET("/"));
    assert.equal(r.status, 200);
    assertWellFormed(r);
    assert.equal(r.headers["vary"], "Accept-Encoding");
    assert.equal(r.headers["etag"], w.manifest.routes[0].etag);
    assert.match(r.body.toString(), /<svg/);
  });

  test("GET / with Accept-Encoding: gzip gives the gzip file", async () => {
    const r = await req(GET("/", "Accept-Encoding: gzip\r\n"));
    assert.equal(r.headers["content-encoding"], "gzip");
    assertWellFormed(r);
    assert.match(gunzipSync(r.body).toString(), /<svg/);
  });

  test("If-None-Match with the ETag gives 304 Not Modified, no body", async () => {
    const first = await req(GET("/about", "Accept-Encoding: gzip\r\n"));
    const r = await req(GET("/about", `Accept-Encoding: gzip\r\nIf-None-Match: ${first.headers["etag"]}\r\n`));
    assert.equal(r.status, 304);
    assert.equal(r.reason, "Not Modified");
    assert.equal(r.body.length, 0);
    assertWellFormed(r);
  });

  test("HEAD / gives the head only", async () => {
    const r = await req("HEAD / HTTP/1.1\r\n\r\n");
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 0);
    assert.ok(Number(r.headers["content-length"]) > 1000);
  });

  test("HTTP/1.0 is answered the same way", async () => {
    const r = await req("GET /about HTTP/1.0\r\n\r\n");
    assert.equal(r.status, 200);
    assertWellFormed(r);
  });

  test("/about and /setup are pages that link to the others", async () => {
    for (const p of ["/about", "/setup"]) {
      const r = await req(GET(p));
      assert.equal(r.status, 200, p);
      assertWellFormed(r);
      assert.match(r.body.toString(), /href="\/status"/);
    }
  });

  test("/status is rendered on the device with its current values", async () => {
    const r = await req(GET("/status"));
    assert.equal(r.status, 200);
    assertWellFormed(r);
    const body = r.body.toString();
    assert.doesNotMatch(body, /\{\{/);
    assert.match(body, /espruino-sim/);
    assert.match(body, /of 1600 variables free/);
  });

  test("/api/status gives name, version, uptime, free, total, led, a0, ip, rssi, clients", async () => {
    const r = await req(GET("/api/status"));
    assertWellFormed(r);
    const j = JSON.parse(r.body.toString());
    for (const k of ["name", "version", "uptime", "free", "total", "led", "a0", "ip", "rssi", "clients"]) assert.ok(k in j, k);
    assert.equal(j.name, "espruino-sim");
  });

  test("/api/samples gives the fields and the samples taken once a second", async () => {
    const r = await req(GET("/api/samples"));
    assertWellFormed(r);
    const j = JSON.parse(r.body.toString());
    assert.deepEqual(j.fields, ["seq", "ms", "a0", "free", "led"]);
    assert.ok(j.samples.length >= 1);
    assert.equal(j.samples[0].length, 5);
  });

  test("/api/led: GET reads it, POST on/off/toggle/JSON sets it, and the simulator's LED follows", async () => {
    let r = await req(POST("/api/led", "on"));
    assert.deepEqual(JSON.parse(r.body.toString()), { led: 1 });
    assert.equal(w.sim.led().on, true);
    r = await req(POST("/api/led", '{"led":0}'));
    assert.deepEqual(JSON.parse(r.body.toString()), { led: 0 });
    assert.equal(w.sim.led().on, false);
    await req(POST("/api/led", "toggle"));
    assert.equal(w.sim.led().on, true);
    r = await req(GET("/api/led"));
    assert.deepEqual(JSON.parse(r.body.toString()), { led: 1 });
    await req(POST("/api/led", "off"));
  });

  test("POST /api/led with a bad body is 400 in JSON", async () => {
    const r = await req(POST("/api/led", "blink"));
    assert.equal(r.status, 400);
    assertWellFormed(r);
    assert.equal(r.headers["content-type"], "application/json");
  });

  test("/events sends a data line with a CSV sample every second", async () => {
    const { head, lines } = await listen(port, 2, 6000);
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head, /Content-Type: text\/event-stream/);
    assert.doesNotMatch(head, /Content-Length/);
    assert.equal(lines.length, 2);
    for (const l of lines) assert.match(l, /^data: \d+,\d+,\d+,\d+,[01]$/);
    assert.equal(Number(lines[1].split(/[ ,]/)[1]), Number(lines[0].split(/[ ,]/)[1]) + 1);
  });

  test("/events past the board's listener cap is 503 with Retry-After", async () => {
    const cap = w.sim.board.sseListeners;
    const open = [];
    for (let i = 0; i < cap; i++) open.push(openStream(port));
    const heads = await Promise.all(open.map((o) => o.head));
    for (const h of heads) assert.match(h, /^HTTP\/1\.1 200 /);
    const r = await req(GET("/events"));
    assert.equal(r.status, 503);
    assert.match(r.headers["retry-after"] ?? "", /^\d+$/);
    assertWellFormed(r);
    for (const o of open) o.sock.destroy();
    await wait(1500); // the device notices the closes on its next write
    const again = openStream(port);
    assert.match(await again.head, /^HTTP\/1\.1 200 /);
    again.sock.destroy();
  });

  test("404 is HTML, or JSON under /api/; 405 says Allow", async () => {
    const a = await req(GET("/nope"));
    assert.equal(a.status, 404);
    assertWellFormed(a);
    assert.match(a.headers["content-type"], /text\/html/);
    const b = await req(GET("/api/nope"));
    assert.equal(b.status, 404);
    assert.equal(b.headers["content-type"], "application/json");
    const c = await req("PUT /api/led HTTP/1.1\r\nContent-Length: 2\r\n\r\non");
    assert.equal(c.status, 405);
    assert.equal(c.headers["allow"], "GET, POST, HEAD");
    assertWellFormed(c);
  });

  for (const [name, request, status] of [
    ["a garbage request line", "\x16\x03\x01garbage garbage\r\n\r\n", 400],
    ["a method of 200 letters", "M".repeat(200) + " / HTTP/1.1\r\n\r\n", 400],
    ["/../../", GET("/../../etc/passwd"), 400],
    ["%00", GET("/status%00"), 400],
    ["%zz", GET("/%zz"), 400],
    ["a 3 KB URL", GET("/" + "u".repeat(3072)), 414],
    ["a 2 KB POST", POST("/api/led", "x".repeat(2048)), 413],
    ["a header line over 512 bytes", GET("/", `Cookie: ${"c".repeat(700)}\r\n`), 431],
    ["a 64 KB header flood", "GET / HTTP/1.1\r\n" + `X-Flood: ${"f".repeat(100)}\r\n`.repeat(600) + "\r\n", 431],
  ] as const) {
    test(`${name} is ${status}, and the next request is served`, async () => {
      const r = await req(request);
      assert.equal(r.status, status, `got ${r.status} ${r.reason} ${r.error ?? ""}`);
      assertWellFormed(r);
      await settled();
      assert.equal((await req(GET("/api/led"))).status, 200);
    });
  }

  test("a lying Content-Length (body shorter) is 408 after 5 s", async () => {
    const r = await req("POST /api/led HTTP/1.1\r\nContent-Length: 20\r\n\r\non", { timeoutMs: 9000 });
    assert.equal(r.status, 408);
    assertWellFormed(r);
  });

  test("a head arriving one byte a second is 408 after 5 s", async () => {
    const r = await req(GET("/").split(""), { gapMs: 1000, timeoutMs: 9000 });
    assert.equal(r.status, 408);
    assert.equal(r.reason, "Request Timeout");
  });

  test("a client that closes mid-response does not stop the server", async () => {
    await req(GET("/"), { onData: (sock) => sock.destroy() });
    await settled();
    assert.equal((await req(GET("/about"))).status, 200);
  });

  test("more clients than the board has sockets: the extra one gets 503 with Retry-After", async () => {
    const held: Socket[] = [];
    let refused: RawReply | null = null;
    for (let i = 0; i < 12 && !refused; i++) {
      const s = connect(port, "127.0.0.1");
      s.on("error", () => {});
      const chunks: Buffer[] = [];
      s.on("data", (d) => chunks.push(d));
      const closed = new Promise<boolean>((r) => s.on("close", () => r(true)));
      await new Promise((r) => s.once("connect", r));
      held.push(s);
      s.write("GET /api/led HTTP/1.1\r\n"); // started, not ended: the connection stays open
      if (await Promise.race([closed, wait(200).then(() => false)])) refused = parseRaw(Buffer.concat(chunks));
    }
    for (const s of held) s.destroy();
    await settled();
    assert.ok(refused, "no client was refused");
    assert.equal(refused.status, 503);
    assert.match(refused.headers["retry-after"] ?? "", /^\d+$/);
    assertWellFormed(refused);
    assert.equal((await req(GET("/api/led"))).status, 200);
  });

  test("with the client sockets all but one held, requests sent as soon as the last answer is read are all served", async () => {
    // Three line clients leave the web server one client socket besides the reserve
    // (docs/PROTOCOL.md, "Guards"). A browser or a script reads an answer to its Content-Length and
    // sends the next request at once, while the device's socket of that answer is still closing.
    const held: Socket[] = [];
    for (let i = 0; i < 3; i++) {
      const s = connect(w.sim.ports.line, "127.0.0.1");
      s.on("error", () => {});
      await new Promise((r) => s.once("data", r)); // the greeting
      held.push(s);
    }
    const statuses: number[] = [];
    try {
      for (let i = 0; i < 30; i++) {
        const r = await untilAnswered(port, GET("/api/led"));
        statuses.push(r.status);
      }
    } finally {
      for (const s of held) s.destroy();
    }
    await settled();
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
    );
  });

  test("after all of it the sockets are back where they were", async () => {
    await settled();
    assert.equal(w.sim.sockets().used, baseline);
  });
});


describe("web server on the simulator with a control token", () => {
  let w: WebSim;
  let port: number;
  const TOKEN = "tok-e2e-1234";
  const req = (r: string | string[], o: RawOptions = {}) => rawRequest(port, r, o);

  before(async () => {
    w = await startWebSim({}, { token: TOKEN });
    port = w.sim.ports.http;
  });
  after(async () => {
    await w?.stop();
  });

  test("POST /api/led without the token is 401 with WWW-Authenticate: Bearer", async () => {
    const r = await req(POST("/api/led", "on"));
    assert.equal(r.status, 401);
    assert.equal(r.reason, "Unauthorized");
    assert.match(r.headers["www-authenticate"] ?? "", /^Bearer /);
    assertWellFormed(r);
    assert.equal(w.sim.led().on, false);
  });

  test("POST /api/led with a wrong token is 401, with the token it works", async () => {
    assert.equal((await req(POST("/api/led", "on", "Authorization: Bearer wrong\r\n"))).status, 401);
    const r = await req(POST("/api/led", "on", `Authorization: Bearer ${TOKEN}\r\n`));
    assert.equal(r.status, 200);
    assert.equal(w.sim.led().on, true);
  });

  test("GET /api/led needs no token", async () => {
    assert.equal((await req(GET("/api/led"))).status, 200);
  });

  test("POST /setup as an access point joins and saves the network, never showing the password", async () => {
    assert.equal(JSON.parse((await req(GET("/api/status"))).body.toString()).wifi, "ap");
    const r = await req(POST("/setup", "ssid=SimNet&password=simulator"));
    assert.equal(r.status, 200);
    assert.match(r.body.toString(), /SimNet/);
    assert.doesNotMatch(r.raw.toString("latin1"), /simulator/);
    await w.sim.waitForConsole("wifi: joined and saved SimNet", 5000);
    assert.doesNotMatch(w.sim.consoleOutput(), /simulator/);
  });

  test("POST /setup as a station needs the token", async () => {
    for (let i = 0; i < 50; i++) {
      if (JSON.parse((await req(GET("/api/status"))).body.toString()).wifi === "up") break;
      await wait(100);
    }
    const body = "ssid=SimNet&password=simulator";
    const r = await req(POST("/setup", body));
    assert.equal(r.status, 401);
    assert.match(r.headers["www-authenticate"] ?? "", /^Bearer /);
    assert.equal((await req(POST("/setup", `${body}&token=${TOKEN}`))).status, 200);
  });
});

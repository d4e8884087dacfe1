/*
 * The simulator's `net` against Espruino's (simulator/README.md, "What it reproduces"): write()
 * returns false and `drain` follows, data in chunks of at most the board's chunk size (random sizes
 * when asked), writing after end() throws "This socket is closed", close events in Espruino's
 * order, no destroy(), and the socket budget (an eleventh socket is refused as Espruino does).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { client, devJSON, simWith, sleep, until } from "./helpers.ts";

const RECORDER = `
var log = [];
var srv = require("net").createServer(function (c) {
  log.push("conn");
  c.on("data", function (d) { log.push("data:" + d.length); });
  c.on("error", function (e) { log.push("error:" + e.code); });
  c.on("end", function () { log.push("end"); });
  c.on("close", function (h) { log.push("close:" + h); });
  global.conn = c;
});
srv.listen(9100);
`;

test("write() returns false, and drain follows once the data is sent", async () => {
  const sim = await simWith(RECORDER + `var results = [];`);
  try {
    const c = await client(sim.hostPort(9100)!);
    await until(() => devJSON(sim, "log.length") === 1);
    sim.evaluate(`conn.on("drain", function () { results.push("drain"); }); results.push(conn.write("hello"));`);
    await until(() => (devJSON(sim, "results") as unknown[]).length === 2);
    assert.deepEqual(devJSON(sim, "results"), [false, "drain"]);
    await until(() => c.data() === "hello");
    c.sock.destroy();
  } finally {
    await sim.dispose();
  }
});

test("incoming data arrives in chunks of at most the board's chunk size (268 on sim)", async () => {
  const sim = await simWith(RECORDER);
  try {
    const c = await client(sim.hostPort(9100)!);
    c.sock.write(Buffer.alloc(3000, 0x41));
    await until(() => (devJSON(sim, "log") as string[]).filter((l) => l.startsWith("data:")).reduce((n, l) => n + Number(l.slice(5)), 0) === 3000);
    const sizes = (devJSON(sim, "log") as string[]).filter((l) => l.startsWith("data:")).map((l) => Number(l.slice(5)));
    assert.equal(sim.board.chunkSize, 268);
    assert.ok(sizes.every((n) => n <= 268), `chunks ${sizes.join(",")}`);
    assert.ok(sizes.length >= Math.ceil(3000 / 268));
    c.sock.destroy();
  } finally {
    await sim.dispose();
  }
});

test("with the split fault, data comes in chunks of varied sizes, bytes intact and in order", async () => {
  const sim = await simWith(`var got = ""; var sizes = [];
    require("net").createServer(function (c) { c.on("data", function (d) { got += d; sizes.push(d.length); }); }).listen(9101);`, { faults: { splitRandom: true }, seed: 7 });
  try {
    const c = await client(sim.hostPort(9101)!);
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
    c.sock.write(bytes);
    await until(() => devJSON(sim, "got.length") === 1000);
    const got = Buffer.from(String(devJSON(sim, "got")), "latin1");
    assert.deepEqual(got, bytes);
    const sizes = devJSON(sim, "sizes") as number[];
    assert.ok(new Set(sizes).size > 3, `sizes ${sizes.join(",")}`);
    c.sock.destroy();
  } finally {
    await sim.dispose();
  }
});

test("write() after end() throws Error 'This socket is closed'", async () => {
  const sim = await simWith(RECORDER);
  try {
    const c = await client(sim.hostPort(9100)!);
    await until(() => devJSON(sim, "log.length") === 1);
    const r = sim.evaluate(`conn.end("bye"); (function () { try { conn.write("x"); return "no throw"; } catch (e) { return e.name + ": " + e.message; } })()`);
    assert.equal(r, "Error: This socket is closed");
    await until(() => c.closed());
    assert.equal(c.data(), "bye");
  } finally {
    await sim.dispose();
  }
});

test("write() after the remote end closed throws 'This socket is closed'", async () => {
  const sim = await simWith(RECORDER);
  try {
    const c = await client(sim.hostPort(9100)!);
    await until(() => devJSON(sim, "log.length") === 1);
    c.sock.end();
    await until(() => (devJSON(sim, "log") as string[]).indexOf("close:false") >= 0);
    const r = sim.evaluate(`(function () { try { conn.write("x"); return "no throw"; } catch (e) { return e.message; } })()`);
    assert.equal(r, "This socket is closed");
  } finally {
    await sim.dispose();
  }
});

test("a remote close fires end then close(false), and no error", async () => {
  const sim = await simWith(RECORDER);
  try {
    const c = await client(sim.hostPort(9100)!);
    c.sock.end("last");
    await until(() => (devJSON(sim, "log") as string[]).indexOf("close:false") >= 0);
    assert.deepEqual(devJSON(sim, "log"), ["conn", "data:4", "end", "close:false"]);
  } finally {
    await sim.dispose();
  }
});

test("a connection reset fires error (code -9), then end, then close(true)", async () => {
  const sim = await simWith(RECORDER);
  try {
    const c = await client(sim.hostPort(9100)!);
    await until(() => devJSON(sim, "log.length") === 1);
    c.sock.resetAndDestroy();
    await until(() => (devJSON(sim, "log") as string[]).some((l) => l.startsWith("close:")));
    assert.deepEqual(devJSON(sim, "log"), ["conn", "error:-9", "end", "close:true"]);
  } finally {
    await sim.dispose();
  }
});

test("sockets have no destroy, setTimeout, pause or address", async () => {
  const sim = await simWith(RECORDER);
  try {
    const c = await client(sim.hostPort(9100)!);
    await until(() => devJSON(sim, "log.length") === 1);
    assert.deepEqual(devJSON(sim, "[typeof conn.destroy, typeof conn.setTimeout, typeof conn.pause, typeof conn.address, typeof conn.once, typeof conn.off]"), [
      "undefined", "undefined", "undefined", "undefined", "undefined", "undefined",
    ]);
    assert.equal(devJSON(sim, "typeof conn.write + typeof conn.end + typeof conn.on"), "functionfunctionfunction");
    c.sock.destroy();
  } finally {
    await sim.dispose();
  }
});

test("the socket budget: with all 10 slots taken, an inbound connection is accepted and closed at once", async () => {
  // slots: console listener + this listener = 2; 8 clients fill the rest.
  const sim = await simWith(RECORDER);
  try {
    const clients = [];
    for (let i = 0; i < 8; i++) clients.push(await client(sim.hostPort(9100)!));
    await until(() => devJSON(sim, "log.length") === 8);
    assert.deepEqual(sim.sockets(), { used: 10, total: 10 });
    const extra = await client(sim.hostPort(9100)!);
    await until(() => extra.closed(), 2000, "the 11th connection to close");
    await sleep(50);
    assert.equal(devJSON(sim, "log.length"), 8, "the firmware never saw the 11th connection");
    assert.equal(sim.stats.inboundRefused, 1);
    for (const c of clients) c.sock.destroy();
  } finally {
    await sim.dispose();
  }
});

test("the socket budget: with all slots taken, net.connect throws InternalError 'Unable to create socket'", async () => {
  const sim = await simWith(RECORDER);
  const outside = net.createServer(() => {});
  await new Promise<void>((r) => outside.listen(0, "127.0.0.1", () => r()));
  try {
    const port = (outside.address() as net.AddressInfo).port;
    const clients = [];
    for (let i = 0; i < 8; i++) clients.push(await client(sim.hostPort(9100)!));
    await until(() => devJSON(sim, "log.length") === 8);
    const r = sim.evaluate(`(function () { try { require("net").connect({ host: "127.0.0.1", port: ${port} }, function () {}); return "connected"; } catch (e) { return e.name + ": " + e.message; } })()`);
    assert.equal(r, "InternalError: Unable to create socket");
    clients[0].sock.destroy();
    await until(() => sim.sockets().used === 9);
    const ok = sim.evaluate(`(function () { try { require("net").connect({ host: "127.0.0.1", port: ${port} }, function () {}); return "connected"; } catch (e) { return e.message; } })()`);
    assert.equal(ok, "connected");
    for (const c of clients) c.sock.destroy();
  } finally {
    outside.close();
    await sim.dispose();
  }
});

test("an outgoing connection delivers connect, data and close", async () => {
  const outside = net.createServer((s) => s.end("from host"));
  await new Promise<void>((r) => outside.listen(0, "127.0.0.1", () => r()));
  const port = (outside.address() as net.AddressInfo).port;
  const sim = await simWith(`var ev = [];`);
  try {
    // after boot: at power-on the radio is not up yet, and a connect would fail (error -4)
    sim.evaluate(`require("net").connect({ host: "127.0.0.1", port: ${port} }, function (s) {
      ev.push("connect"); s.on("data", function (d) { ev.push(d); }); s.on("close", function () { ev.push("close"); }); });`);
    await until(() => (devJSON(sim, "ev") as string[]).indexOf("close") >= 0);
    assert.deepEqual(devJSON(sim, "ev"), ["connect", "from host", "close"]);
  } finally {
    outside.close();
    await sim.dispose();
  }
});

test("with the slow-drain fault, drain comes only after every chunk has waited its turn", async () => {
  const sim = await simWith(RECORDER + "var t0 = 0, dt = -1;", { faults: { slowDrain: true }, slowDrainMs: 40 });
  try {
    const c = await client(sim.hostPort(9100)!);
    await until(() => devJSON(sim, "log.length") === 1);
    sim.evaluate(`t0 = getTime(); conn.on("drain", function () { dt = getTime() - t0; }); conn.write(E.toString(new Uint8Array(268 * 3)));`);
    await until(() => (devJSON(sim, "dt") as number) >= 0);
    assert.ok((devJSON(sim, "dt") as number) >= 0.1, "three chunks, 40 ms apart");
    await until(() => c.data().length === 268 * 3);
    c.sock.destroy();
  } finally {
    await sim.dispose();
  }
});

test("data that has come in but not been read counts against memory only up to what the SDK holds (1072 bytes), however much the peer sends", async () => {
  const sim = await simWith(`require("net").createServer(function (c) { global.conn = c; }).listen(9107);`);
  try {
    const c = await client(sim.hostPort(9107)!);
    await until(() => devJSON(sim, "typeof conn") === "object");
    const before = devJSON(sim, "process.memory().free") as number;
    c.sock.write(Buffer.alloc(60000, 0x41));
    await sleep(300);
    const after = devJSON(sim, "process.memory().free") as number;
    // At most 1072 held bytes at 8 bytes a variable (simulator/resources.ts).
    assert.ok(before - after <= 134, `free ${before} -> ${after}`);
    assert.ok(before - after > 0, "what is held counts");
    c.sock.destroy();
  } finally {
    await sim.dispose();
  }
});

test("clsNow = true closes the connection at the next poll, whatever is unsent, while the peer keeps sending; close(false) follows", async () => {
  const sim = await simWith(`var ev = []; require("net").createServer(function (c) {
    global.conn = c;
    c.on("data", function (d) { ev.push("data"); });
    c.on("close", function (h) { ev.push("close:" + h); });
  }).listen(9108);`);
  try {
    const c = await client(sim.hostPort(9108)!);
    await until(() => devJSON(sim, "typeof conn") === "object");
    const peerClosed = new Promise<void>((r) => c.sock.once("close", () => r()));
    c.sock.on("error", () => undefined);
    const flood = setInterval(() => c.sock.writable && c.sock.write(Buffer.alloc(4096, 0x42)), 5);
    try {
      await until(() => (devJSON(sim, "ev") as string[]).length > 0);
      sim.evaluate('conn.write("x".repeat(5000)); conn.clsNow = true; ev.push("set")');
      await until(() => (devJSON(sim, "ev") as string[]).includes("close:false"));
      const ev = devJSON(sim, "ev") as string[];
      assert.deepEqual(ev.slice(ev.indexOf("set")), ["set", "close:false"], "no data after clsNow");
      assert.equal(devJSON(sim, "conn.sckt"), undefined);
      await peerClosed;
    } finally {
      clearInterval(flood);
    }
  } finally {
    await sim.dispose();
  }
});

test("dSnd is absent before the first write and \"\" once everything has gone; end() sets cls", async () => {
  const sim = await simWith(`require("net").createServer(function (c) { global.conn = c; }).listen(9109);`);
  try {
    const c = await client(sim.hostPort(9109)!);
    await until(() => devJSON(sim, "typeof conn") === "object");
    assert.equal(devJSON(sim, "typeof conn.dSnd"), "undefined");
    assert.equal(devJSON(sim, "typeof conn.cls"), "undefined");
    sim.evaluate('conn.write("hello")');
    await until(() => devJSON(sim, "conn.dSnd") === "");
    sim.evaluate('conn.end("bye")');
    assert.equal(devJSON(sim, "conn.cls"), true);
    await until(() => devJSON(sim, "conn.sckt") === undefined);
    c.sock.destroy();
  } finally {
    await sim.dispose();
  }
});

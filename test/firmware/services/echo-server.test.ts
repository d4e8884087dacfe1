import { test } from "node:test";
import assert from "node:assert/strict";
import { CLOSE, EchoTcp, MAX_UNSENT } from "../../../firmware/services/echo-server.ts";
import { randomSplit, rng } from "../../helpers/random.ts";
import { FakeNet, rig } from "./fakes.ts";

const PORT = 7;

function start() {
  const r = rig();
  const net = new FakeNet();
  const logs: string[] = [];
  const echo = new EchoTcp({ log: (l) => logs.push(l), budget: r.budget, timers: r.timers, idleMs: 120000 });
  net.listen(PORT, (s) => echo.accept(s));
  return { ...r, net, logs, echo };
}

function allBytes(): string {
  let s = "";
  for (let i = 0; i < 256; i++) s += String.fromCharCode(i);
  return s;
}

test("TCP echoes all 256 byte values exactly, for any split", () => {
  const t = start();
  const input = allBytes().repeat(3);
  const rand = rng(7);
  for (let k = 0; k < 20; k++) {
    const s = t.net.connect(PORT);
    for (const piece of randomSplit(input, rand, 1 + k * 13)) {
      s.send(piece);
      s.drain();
    }
    assert.equal(s.out, input);
    s.close();
  }
  assert.equal(t.budget.inUse(), 0);
});

test("a well-behaved client (at most 1 KB unread) loses nothing", () => {
  const t = start();
  const s = t.net.connect(PORT);
  const chunk = "x".repeat(1024);
  for (let i = 0; i < 50; i++) {
    s.send(chunk);
    s.drain();
  }
  assert.equal(s.out.length, 50 * 1024);
  assert.equal(s.ended, false);
});

test("a client that sends but never reads is closed once more than 2 KB is unsent", () => {
  const t = start();
  const s = t.net.connect(PORT);
  for (let i = 0; i < 20 && !s.ended; i++) s.send("y".repeat(268));
  assert.equal(s.ended, true);
  assert.ok(s.out.length <= MAX_UNSENT);
});

test("the client one too many for the socket budget is closed at once", () => {
  const t = start();
  const ok = [1, 2, 3, 4].map(() => t.net.connect(PORT));
  const extra = t.net.connect(PORT);
  assert.equal(extra.ended, true);
  assert.equal(extra.listeners("data"), 0);
  assert.ok(ok.every((s) => !s.ended));
  ok[1].close();
  assert.equal(t.net.connect(PORT).ended, false);
});

test("an idle TCP connection is closed after the idle timeout", () => {
  const t = start();
  const s = t.net.connect(PORT);
  t.timers.advance(60000);
  s.send("a");
  t.timers.advance(100000);
  assert.equal(s.ended, false);
  t.timers.advance(30000);
  assert.equal(s.ended, true);
});

test("an idle connection holds only its data and close listeners: no drain or error listener, no state until it sends", () => {
  const t = start();
  const s = t.net.connect(PORT);
  assert.deepEqual([s.listeners("data"), s.listeners("close"), s.listeners("drain"), s.listeners("error")], [1, 1, 0, 0]);
  assert.deepEqual(Object.keys(s).filter((k) => k.endsWith("_")), []);
});

test("a socket error is followed by its close, which frees the connection", () => {
  const t = start();
  const s = t.net.connect(PORT);
  s.emit("error", { code: -9, message: "connection reset" });
  s.close(true);
  assert.equal(t.budget.inUse(), 0);
  assert.equal(t.timers.count(), 0);
});

test("CLOSE ends the open connections", () => {
  const t = start();
  const s = t.net.connect(PORT);
  t.echo.x_(t.echo.l_[0], CLOSE, "");
  assert.equal(s.ended, true);
});

test("on Espruino the bound uses the socket's real send buffer, so a steady reader without drains is not closed", () => {
  const t = start();
  const s = t.net.connect(PORT);
  for (let i = 0; i < 50; i++) {
    s.dSnd = "q".repeat(300);
    s.send("x".repeat(268));
  }
  assert.equal(s.ended, false);
  s.dSnd = "q".repeat(2000);
  for (let i = 0; i < 10 && !s.ended; i++) s.send("x".repeat(268));
  assert.equal(s.ended, true);
});

import { before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { randomSplit, rng } from "../../helpers/random.ts";
import { device, FakeSocket, firmwareModule, loadDevice, logs, MAX_CLIENTS, mem, resetDevice } from "./fakes.ts";

interface EchoModule {
  MAX_UNSENT: number;
  ECHO_IDLE_S: number;
  echoAccept(s: FakeSocket): void;
  echoSweep(): void;
}

let echo: EchoModule;

before(async () => {
  await loadDevice();
  echo = await firmwareModule<EchoModule>("services/echo.ts");
});

beforeEach(resetDevice);

function connect(): FakeSocket {
  const s = new FakeSocket();
  echo.echoAccept(s);
  return s;
}

function allBytes(): string {
  let s = "";
  for (let i = 0; i < 256; i++) s += String.fromCharCode(i);
  return s;
}

test("TCP echoes all 256 byte values exactly, for any split", () => {
  const input = allBytes().repeat(3);
  const rand = rng(7);
  for (let k = 0; k < 20; k++) {
    const s = connect();
    for (const piece of randomSplit(input, rand, 1 + k * 13)) {
      s.send(piece);
      s.drain();
    }
    assert.equal(s.out, input);
    assert.equal(s.ended, false);
    s.close();
  }
  assert.equal(device.clients(), 0);
});

test("a well-behaved client (at most 1 KB unread) loses nothing", () => {
  const s = connect();
  const chunk = "x".repeat(1024);
  for (let i = 0; i < 50; i++) {
    s.send(chunk);
    s.drain();
  }
  assert.equal(s.out.length, 50 * 1024);
  assert.equal(s.ended, false);
});

test("a client that sends but never reads is closed before more than 2 KB is unsent", () => {
  const s = connect();
  for (let i = 0; i < 20 && s.clsNow !== true; i++) s.send("y".repeat(268));
  // Closed at once (Espruino's clsNow), not with end(): end() waits for the unsent bytes, and
  // for a poll that received nothing, which a client that sends without reading never gives.
  assert.equal(s.clsNow, true);
  assert.equal(s.ended, false);
  assert.ok(s.held() <= echo.MAX_UNSENT, `${s.held()} bytes held`);
  assert.equal(echo.MAX_UNSENT, 2048);
  assert.ok(logs.some((l) => l.includes("not reading")));
  s.send("z");
  assert.ok(!s.out.includes("z"));
});

test("the bound reads the socket's real send buffer, so a steady reader is not closed", () => {
  const s = connect();
  for (let i = 0; i < 50; i++) {
    s.dSnd = "q".repeat(300);
    s.send("x".repeat(268));
  }
  assert.equal(s.clsNow, undefined);
  s.dSnd = "q".repeat(2000);
  s.send("x".repeat(268));
  assert.equal(s.clsNow, true);
});

test("the client one too many for the socket budget is closed at once; a freed socket admits the next", () => {
  const ok: FakeSocket[] = [];
  for (let i = 0; i < MAX_CLIENTS; i++) ok.push(connect());
  const extra = connect();
  assert.equal(extra.ended, true);
  assert.equal(extra.out, "");
  assert.equal(extra.listeners("data"), 0);
  assert.ok(ok.every((s) => !s.ended));
  assert.ok(logs.includes("echo: refused, no socket"));
  ok[1].close();
  assert.equal(connect().ended, false);
});

test("a killed socket whose close is still queued does not count against the budget", () => {
  const ok: FakeSocket[] = [];
  for (let i = 0; i < MAX_CLIENTS; i++) ok.push(connect());
  ok[0].kill();
  assert.equal(connect().ended, false);
});

test("under low memory a new client is closed at once", () => {
  mem.free = 100;
  const s = connect();
  assert.equal(s.ended, true);
  assert.ok(logs.includes("echo: refused, low memory"));
});

test("an idle connection is closed after ECHO_IDLE_S sweeps; one that sent is not", () => {
  const idle = connect();
  const active = connect();
  for (let i = 0; i < echo.ECHO_IDLE_S; i++) {
    echo.echoSweep();
    if (i === 60) active.send("a");
  }
  assert.equal(idle.ended, false);
  echo.echoSweep();
  assert.equal(idle.ended, true);
  assert.equal(active.ended, false);
  echo.echoSweep(); // an end() that throws on a closed socket is caught
  for (let i = 0; i < 60; i++) echo.echoSweep();
  assert.equal(active.ended, true);
});

test("an idle connection holds only its data and close listeners, and no state until it sends", () => {
  const s = connect();
  assert.deepEqual([s.listeners("data"), s.listeners("close"), s.listeners("drain"), s.listeners("error")], [1, 1, 0, 0]);
  assert.deepEqual(
    Object.keys(s).filter((k) => k.endsWith("_")),
    [],
  );
});

test("a socket error is followed by its close, which frees the connection", () => {
  const s = connect();
  s.emit("error", { code: -9, message: "connection reset" });
  s.close(true);
  assert.equal(device.clients(), 0);
});

test("data on a socket closed by our end() is dropped without a throw", () => {
  const s = connect();
  s.end();
  assert.doesNotThrow(() => s.send("late"));
  assert.equal(s.out, "");
});

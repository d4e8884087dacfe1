import { test } from "node:test";
import assert from "node:assert/strict";
import { createRing, ringGet, ringJson, ringPush, ringSize } from "../../lib/sample-ring.ts";

test("numbers samples from 1", () => {
  const r = createRing(60);
  assert.equal(ringPush(r, 10, 1, 2, 0), 1);
  assert.equal(ringPush(r, 20, 1, 2, 1), 2);
  assert.deepEqual(ringGet(r, 0), { seq: 2, ms: 20, a0: 1, free: 2, led: 1 });
  assert.deepEqual(ringGet(r, 1), { seq: 1, ms: 10, a0: 1, free: 2, led: 0 });
});

test("keeps the last 60; age 59 is the oldest", () => {
  const r = createRing(60);
  for (let i = 1; i <= 75; i++) ringPush(r, i * 1000, i, 1000 + i, i & 1);
  assert.equal(ringSize(r), 60);
  assert.deepEqual(ringGet(r, 0), { seq: 75, ms: 75000, a0: 75, free: 1075, led: 1 });
  assert.deepEqual(ringGet(r, 59), { seq: 16, ms: 16000, a0: 16, free: 1016, led: 0 });
});

test("a0, the LED and free share a word without touching each other; free above 65535 reads 65535", () => {
  const r = createRing(4);
  ringPush(r, 1, 1023, 65535, 1);
  ringPush(r, 2, 0, 0, 1);
  ringPush(r, 3, 512, 70000, 0);
  assert.deepEqual(ringGet(r, 2), { seq: 1, ms: 1, a0: 1023, free: 65535, led: 1 });
  assert.deepEqual(ringGet(r, 1), { seq: 2, ms: 2, a0: 0, free: 0, led: 1 });
  assert.deepEqual(ringGet(r, 0), { seq: 3, ms: 3, a0: 512, free: 65535, led: 0 });
});

test("stores values in typed arrays (bounded, no per-sample objects)", () => {
  const r = createRing(60) as unknown as Record<string, unknown>;
  const typed = Object.values(r).filter((v) => ArrayBuffer.isView(v));
  assert.equal(typed.length, 1);
  for (let i = 0; i < 1000; i++) ringPush(r as never, i, i, i, 0);
  assert.equal(Object.keys(r).length, 2);
});

test("get outside what is held gives null", () => {
  const r = createRing(60);
  assert.equal(ringGet(r, 0), null);
  ringPush(r, 1, 1, 1, 0);
  assert.equal(ringGet(r, 1), null);
  assert.equal(ringGet(r, -1), null);
});

test("uptime wraps as a Uint32 does, and the sequence goes on past the capacity many times", () => {
  const r = createRing(3);
  for (let i = 0; i < 10; i++) ringPush(r, 4294967296 + i, 5, 6, 0);
  assert.equal(ringSize(r), 3);
  assert.deepEqual(ringGet(r, 0), { seq: 10, ms: 9, a0: 5, free: 6, led: 0 });
  assert.deepEqual(ringGet(r, 2), { seq: 8, ms: 7, a0: 5, free: 6, led: 0 });
});

test("ringJson gives a held sample as its JSON row, and \"\" for one not taken or overwritten", () => {
  const r = createRing(3);
  for (let i = 1; i <= 5; i++) ringPush(r, i * 1000, i * 100, 900 + i, i % 2);
  assert.equal(ringJson(r, 5), "[5,5000,500,905,1]");
  assert.equal(ringJson(r, 3), "[3,3000,300,903,1]");
  assert.equal(ringJson(r, 2), "");
  assert.equal(ringJson(r, 6), "");
  assert.equal(ringJson(r, 0), "");
});

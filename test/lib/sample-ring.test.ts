import { test } from "node:test";
import assert from "node:assert/strict";
import { SampleRing } from "../../lib/sample-ring.ts";

test("numbers samples from 1", () => {
  const r = new SampleRing(60);
  assert.equal(r.push(10, 1, 2, 0), 1);
  assert.equal(r.push(20, 1, 2, 1), 2);
  assert.deepEqual(r.get(0), { seq: 2, ms: 20, a0: 1, free: 2, led: 1 });
});

test("keeps the last 60, oldest first", () => {
  const r = new SampleRing(60);
  for (let i = 1; i <= 75; i++) r.push(i * 1000, i, 1000 + i, i & 1);
  assert.equal(r.size(), 60);
  const seqs: number[] = [];
  r.forEach((s) => seqs.push(s.seq));
  assert.equal(seqs.length, 60);
  assert.equal(seqs[0], 16);
  assert.equal(seqs[59], 75);
  assert.deepEqual(r.get(59), { seq: 16, ms: 16000, a0: 16, free: 1016, led: 0 });
});

test("stores values in typed arrays (bounded, no per-sample objects)", () => {
  const r = new SampleRing(60) as unknown as Record<string, unknown>;
  const typed = Object.values(r).filter((v) => ArrayBuffer.isView(v));
  assert.equal(typed.length, 4);
});

test("get outside what is held gives null", () => {
  const r = new SampleRing(3);
  r.push(1, 1, 1, 1);
  assert.equal(r.get(1), null);
  assert.equal(r.get(-1), null);
});

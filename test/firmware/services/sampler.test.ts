import { test } from "node:test";
import assert from "node:assert/strict";
import { Sampler } from "../../../firmware/services/sampler.ts";
import type { Sample } from "../../../firmware/services/contracts.ts";
import { rig } from "./fakes.ts";

test("takes one sample a second, numbered from 1 at boot", () => {
  const r = rig();
  const h = new Sampler(r.device, () => {});
  h.start(r.timers);
  r.timers.advance(3000);
  const got: Sample[] = [];
  h.forEach((s) => got.push(s));
  assert.deepEqual(got.map((s) => [s.seq, s.ms]), [[1, 1000], [2, 2000], [3, 3000]]);
  assert.deepEqual(got[0], { seq: 1, ms: 1000, a0: 512, free: 1300, led: 0 });
});

test("holds the last 60 samples", () => {
  const r = rig();
  const h = new Sampler(r.device, () => {});
  h.start(r.timers);
  r.timers.advance(100000);
  assert.equal(h.size(), 60);
  const seqs: number[] = [];
  h.forEach((s) => seqs.push(s.seq));
  assert.equal(seqs[0], 41);
  assert.equal(seqs[59], 100);
});

test("subscribers get each new sample until they unsubscribe", () => {
  const r = rig();
  const h = new Sampler(r.device, () => {});
  h.start(r.timers);
  const seen: number[] = [];
  const off = h.subscribe((s) => seen.push(s.seq));
  r.timers.advance(2000);
  off();
  r.timers.advance(2000);
  assert.deepEqual(seen, [1, 2]);
});

test("a subscriber that throws is logged and the others still get the sample", () => {
  const r = rig();
  const logs: string[] = [];
  const h = new Sampler(r.device, (l) => logs.push(l));
  h.start(r.timers);
  h.subscribe(() => {
    throw new Error("boom");
  });
  const seen: number[] = [];
  h.subscribe((s) => seen.push(s.seq));
  r.timers.advance(1000);
  assert.deepEqual(seen, [1]);
  assert.equal(logs.length, 1);
});

/* Percentile math of `load`. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { percentile, summarize } from "../../test-host/stats.ts";

test("percentile of one value is that value, of none is NaN", () => {
  assert.equal(percentile([7], 50), 7);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test("percentile interpolates between closest ranks", () => {
  const v = [10, 20, 30, 40, 50];
  assert.equal(percentile(v, 0), 10);
  assert.equal(percentile(v, 50), 30);
  assert.equal(percentile(v, 100), 50);
  assert.equal(percentile(v, 25), 20);
  assert.equal(percentile(v, 90), 46);
  assert.equal(percentile([1, 2], 50), 1.5);
});

test("p99 of 1..100 is 99.01 and p95 is 95.05", () => {
  const v = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.ok(Math.abs(percentile(v, 99) - 99.01) < 1e-9);
  assert.ok(Math.abs(percentile(v, 95) - 95.05) < 1e-9);
});

test("summarize sorts its input and reports count, min, max, mean and percentiles", () => {
  const s = summarize([5, 1, 4, 2, 3]);
  assert.deepEqual(s, { count: 5, min: 1, max: 5, mean: 3, p50: 3, p95: 4.8, p99: 4.96 });
});

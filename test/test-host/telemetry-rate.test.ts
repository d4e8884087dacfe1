/*
 * The rate helpers of the telemetry checks (test-host/checks/telemetry.ts): seq gaps, and the
 * median interval that one stall of a busy host cannot move while a device at the wrong rate does.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { medianInterval, seqGaps } from "../../test-host/checks/telemetry.ts";

test("one stall stretches one interval and leaves the median at the rate", () => {
  const ms = [0, 100, 200, 300, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500, 1600];
  assert.equal(medianInterval(ms), 100);
  // The mean of the same run is 114 ms: what failed line.stream.per-client on a loaded machine.
  assert.ok((ms[ms.length - 1] - ms[0]) / (ms.length - 1) > 114);
});

test("a device at the wrong rate moves the median", () => {
  assert.equal(medianInterval([0, 120, 240, 360, 480]), 120);
  assert.equal(medianInterval([0, 100, 230]), 115);
  assert.ok(Number.isNaN(medianInterval([5])));
});

test("seq gaps, also across a wrap", () => {
  assert.equal(seqGaps([1, 2, 3, 5, 6, 8]), 2);
  assert.equal(seqGaps([65534, 65535, 0, 1], 65536), 0);
  assert.equal(seqGaps([65535, 1], 65536), 1);
});

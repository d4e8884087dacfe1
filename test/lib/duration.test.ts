import assert from "node:assert/strict";
import { test } from "node:test";
import { durationText } from "../../lib/duration.ts";

test("durationText writes hours, minutes and seconds, leaving out the leading zeros", () => {
  assert.equal(durationText(0), "0s");
  assert.equal(durationText(59999), "59s");
  assert.equal(durationText(200000), "3m 20s");
  assert.equal(durationText(3600000), "1h 0m 0s");
  assert.equal(durationText(90061000), "25h 1m 1s");
});

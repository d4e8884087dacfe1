import { test } from "node:test";
import assert from "node:assert/strict";
import { CSV_HEADER, decodeSampleCsv, encodeSampleCsv } from "../../lib/sample-csv.ts";

const s = { seq: 1, ms: 1000, a0: 512, free: 1234, led: 1 };

test("encodes the SPEC sample line", () => {
  assert.equal(encodeSampleCsv(s), "1,1000,512,1234,1");
  assert.equal(CSV_HEADER, "#seq,ms,a0,free,led");
});

test("decodes what it encodes", () => {
  for (const x of [s, { seq: 70000, ms: 4294967295, a0: 0, free: 0, led: 0 }, { seq: 2, ms: 5, a0: 1023, free: 1600, led: 1 }]) {
    assert.deepEqual(decodeSampleCsv(encodeSampleCsv(x)), x);
  }
});

test("refuses malformed lines", () => {
  for (const l of ["", "1,2,3,4", "1,2,3,4,5,6", "1,2,1024,4,0", "1,2,3,4,2", "a,2,3,4,0", "1,-2,3,4,0", "1, 2,3,4,0", "#seq,ms,a0,free,led"]) {
    assert.equal(decodeSampleCsv(l), null, l);
  }
});

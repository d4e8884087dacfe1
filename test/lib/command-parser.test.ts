import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRate, RATE_DEFAULT, RATE_MAX, RATE_MIN, splitWords } from "../../lib/command-parser.ts";

// The EARG grammar of each command is tested through its replies in test/firmware/services/line.test.ts.

test("splitWords splits on runs of spaces and tabs", () => {
  assert.deepEqual(splitWords("  UDP\t1.2.3.4   99 "), ["UDP", "1.2.3.4", "99"]);
  assert.deepEqual(splitWords("a\t\tb"), ["a", "b"]);
});

test("splitWords gives one word for a line without blanks, and none for an empty or blank line", () => {
  assert.deepEqual(splitWords("STATUS"), ["STATUS"]);
  assert.deepEqual(splitWords(""), []);
  assert.deepEqual(splitWords("  \t "), []);
});

test("splitWords keeps every other byte inside its word", () => {
  let s = "";
  for (let i = 0; i < 256; i++) if (i !== 9 && i !== 32) s += String.fromCharCode(i);
  assert.deepEqual(splitWords(s), [s]);
  assert.deepEqual(splitWords("a\rb c"), ["a\rb", "c"]);
});

test("the rates are 50..60000 ms, 1000 by default", () => {
  assert.deepEqual([RATE_MIN, RATE_MAX, RATE_DEFAULT], [50, 60000, 1000]);
});

test("parseRate gives the default when the word is absent", () => {
  assert.equal(parseRate(undefined), RATE_DEFAULT);
});

test("parseRate takes a decimal in range", () => {
  assert.equal(parseRate("50"), 50);
  assert.equal(parseRate("60000"), 60000);
  assert.equal(parseRate("500"), 500);
});

test("parseRate refuses out of range or malformed words with -1, never clamping", () => {
  for (const w of ["1", "49", "60001", "-5", "abc", "1e3", "", " 100", "100 ", "0x40", "100.5", "+100", "99999999999999999999"]) {
    assert.equal(parseRate(w), -1, JSON.stringify(w));
  }
});

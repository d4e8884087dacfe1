import { before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { auth, loadDevice, logs, resetDevice } from "./fakes.ts";

before(loadDevice);
beforeEach(resetDevice);

test("without a token nothing is required and anything passes", () => {
  auth.useToken(null);
  assert.equal(auth.tokenRequired(), false);
  assert.equal(auth.tokenMatches(""), true);
  assert.equal(auth.tokenMatches("whatever"), true);
});

test("an empty token is no token", () => {
  auth.useToken("");
  assert.equal(auth.tokenRequired(), false);
});

test("with a token only the exact token passes", () => {
  auth.useToken("abc123");
  assert.equal(auth.tokenRequired(), true);
  assert.equal(auth.tokenMatches("abc123"), true);
  for (const w of ["", "abc12", "abc1234", "ABC123", "abc124", "abc123abc123", "bc123a"]) assert.equal(auth.tokenMatches(w), false, w);
});

test("a token that repeats the given word is still not matched by it", () => {
  auth.useToken("abab");
  assert.equal(auth.tokenMatches("ab"), false);
  assert.equal(auth.tokenMatches("a"), false);
});

test("a new token replaces the old one", () => {
  auth.useToken("first");
  auth.useToken("second");
  assert.equal(auth.tokenMatches("first"), false);
  assert.equal(auth.tokenMatches("second"), true);
});

test("nothing is logged", () => {
  auth.useToken("s3cret");
  auth.tokenMatches("s3cret");
  auth.tokenMatches("nope");
  assert.deepEqual(logs, []);
});

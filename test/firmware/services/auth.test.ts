import { test } from "node:test";
import assert from "node:assert/strict";
import { TokenAuth } from "../../../firmware/services/auth.ts";

test("without a token nothing is required", () => {
  assert.equal(new TokenAuth(null).required(), false);
  assert.equal(new TokenAuth("").required(), false);
});

test("with a token only the exact token passes", () => {
  const a = new TokenAuth("abc123");
  assert.equal(a.required(), true);
  assert.equal(a.check("abc123"), true);
  for (const w of ["", "abc12", "abc1234", "ABC123", "abc124"]) assert.equal(a.check(w), false, w);
});

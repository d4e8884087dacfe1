import { test } from "node:test";
import assert from "node:assert/strict";
import { normalizePath, percentDecode } from "../../../lib/http/path.ts";

test("plain paths are kept", () => {
  assert.equal(normalizePath("/"), "/");
  assert.equal(normalizePath("/api/status"), "/api/status");
});

test("empty and dot segments and a trailing slash are dropped", () => {
  assert.equal(normalizePath("//about/./"), "/about");
  assert.equal(normalizePath("/./"), "/");
});

test("percent-escapes are decoded", () => {
  assert.equal(normalizePath("/%61bout"), "/about");
  assert.equal(normalizePath("/a%2Fb"), "/a/b");
  assert.equal(normalizePath("/caf%C3%A9"), "/caf\xc3\xa9");
});

test("dot-dot segments, raw or escaped, are rejected", () => {
  for (const p of ["/..", "/../../", "/a/../b", "/%2e%2e", "/.%2E/", "/a%2f..%2fb"]) assert.equal(normalizePath(p), null, p);
});

test("bad escapes, NUL, controls, spaces and raw high bytes are rejected", () => {
  for (const p of ["/%00", "/%zz", "/%4", "/%", "/a%0ab", "/a b", "/\x7f", "/\xe9", "/a\tb", "x", ""]) assert.equal(normalizePath(p), null, JSON.stringify(p));
});

test("a '...' segment is an ordinary name", () => {
  assert.equal(normalizePath("/.../x"), "/.../x");
});

test("percentDecode decodes plus as space only when asked", () => {
  assert.equal(percentDecode("a+b%21", true), "a b!");
  assert.equal(percentDecode("a+b", false), "a+b");
  assert.equal(percentDecode("%00", true), null);
  assert.equal(percentDecode("%zz", true), null);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseHttpUrl } from "../../lib/http-url.ts";

test("parses host, default port 80 and default path /", () => {
  assert.deepEqual(parseHttpUrl("http://example.com"), { host: "example.com", port: 80, path: "/" });
});

test("parses an explicit port and path with query", () => {
  assert.deepEqual(parseHttpUrl("http://127.0.0.1:8080/a/b?c=d"), { host: "127.0.0.1", port: 8080, path: "/a/b?c=d" });
});

test("the scheme is case-insensitive", () => {
  assert.deepEqual(parseHttpUrl("HTTP://h/x"), { host: "h", port: 80, path: "/x" });
});

test("refuses https, other schemes, user info, IPv6, bad ports and empty hosts", () => {
  for (const u of ["https://h/", "ftp://h/", "http://", "http:///x", "http://u:p@h/", "http://[::1]/", "http://h:0/", "http://h:65536/", "http://h:/", "http://h:80x/", "h/x", "http://.h/", "http://a..b/"]) {
    assert.equal(parseHttpUrl(u), null, u);
  }
});

test("refuses control bytes and spaces in the path", () => {
  assert.equal(parseHttpUrl("http://h/a\u0001b"), null);
  assert.equal(parseHttpUrl("http://h/a\u00ffb"), null);
});

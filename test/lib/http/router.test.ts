import { test } from "node:test";
import assert from "node:assert/strict";
import { matchRoute, type Routes } from "../../../lib/http/router.ts";

const routes: Routes<string> = {
  "/": { GET: "home" },
  "/api/led": { GET: "ledGet", POST: "ledPost" },
};

test("a known method and path give the handler", () => {
  assert.deepEqual(matchRoute(routes, "POST", "/api/led"), { status: 0, handler: "ledPost", allow: "" });
});

test("HEAD uses the GET handler", () => {
  assert.equal(matchRoute(routes, "HEAD", "/").handler, "home");
});

test("an unknown path is 404", () => {
  assert.equal(matchRoute(routes, "GET", "/nope").status, 404);
  assert.equal(matchRoute(routes, "GET", "toString").status, 404);
  assert.equal(matchRoute(routes, "GET", "__proto__").status, 404);
});

test("a known path with another method is 405 with its Allow list", () => {
  assert.deepEqual(matchRoute(routes, "DELETE", "/api/led"), { status: 405, handler: null, allow: "GET, POST, HEAD" });
  assert.equal(matchRoute(routes, "POST", "/").allow, "GET, HEAD");
  assert.equal(matchRoute(routes, "constructor", "/").status, 405);
});

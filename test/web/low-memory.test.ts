/*
 * A new HTTP client is served only when it fits in memory: with too few variables free the
 * device answers a complete 503 (docs/WEB.md, "Responses": status, Content-Type,
 * Content-Length, Retry-After, Connection: close) instead of loading, and serves again once
 * memory is back. The simulator's low-memory fault makes `process.memory().free` small.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startWebSim, type WebSim } from "./sim-rig.ts";
import { GET, rawRequest } from "./raw-http.ts";

let w: WebSim;

before(async () => {
  w = await startWebSim({ faults: { lowMemory: true } });
});

after(async () => {
  await w?.stop();
});

test("with too little memory for a new client, GET / gets a complete 503 with Retry-After", async () => {
  const r = await rawRequest(w.sim.ports.http, GET("/"));
  assert.equal(r.status, 503);
  assert.equal(r.headers["content-type"], "text/html; charset=utf-8");
  assert.match(r.headers["retry-after"] ?? "", /^\d+$/);
  assert.equal(Number(r.headers["content-length"]), r.body.length);
  assert.equal(r.headers["connection"], "close");
});

test("once memory is back the same request is served", async () => {
  w.sim.fault({ lowMemory: false });
  const r = await rawRequest(w.sim.ports.http, GET("/api/led"));
  assert.equal(r.status, 200);
});

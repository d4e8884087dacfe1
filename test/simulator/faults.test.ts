/*
 * Faults on demand through the HTTP control endpoint: POST /fault changes what the device sees
 * (a dropped radio refuses inbound connections until it is back), GET /state reports it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { client, simWith, until } from "./helpers.ts";

async function post(port: number, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`http://127.0.0.1:${port}/fault`, { method: "POST", body: JSON.stringify(body) });
  return (await r.json()) as Record<string, unknown>;
}

test("POST /fault drops Wi-Fi (inbound connections are dropped) and brings it back", async () => {
  const sim = await simWith('require("net").createServer(function (c) { c.write("hi"); }).listen(9500);', { controlPort: 0 });
  try {
    const down = await post(sim.controlPort!, { wifi: "drop", lowMemory: true });
    assert.equal(down.wifi, "down");
    assert.equal(down.lowMemory, true);
    const c = await client(sim.hostPort(9500)!);
    await until(() => c.closed(), 2000, "the connection to be dropped");
    assert.equal(c.data(), "");
    const up = await post(sim.controlPort!, { wifi: "up" });
    assert.equal(up.wifi, "up");
    await until(() => sim.faults().station === "connected");
    const c2 = await client(sim.hostPort(9500)!);
    await until(() => c2.data() === "hi");
    c2.sock.destroy();
    const state = (await (await fetch(`http://127.0.0.1:${sim.controlPort}/state`)).json()) as { faults: { lowMemory: boolean } };
    assert.equal(state.faults.lowMemory, true);
  } finally {
    await sim.dispose();
  }
});

/*
 * The built firmware (dist/sim.js, built if missing or stale) boots in the simulator and answers
 * TCP and UDP echo on the mapped echo port (docs/PROTOCOL.md, "Echo").
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ensureBundle } from "../../simulator/index.ts";
import { client, devJSON, simWith, udpAsk, until } from "./helpers.ts";
import { readFileSync } from "node:fs";

test("dist/sim.js names the device on the network after its board config (DHCP and mDNS: <name>.local)", async () => {
  const { file } = ensureBundle("sim");
  const sim = await simWith(readFileSync(file, "utf8"));
  try {
    await until(() => devJSON(sim, 'require("Wifi").getHostname()') === sim.board.deviceName, 3000, "the host name");
  } finally {
    await sim.dispose();
  }
});

test("dist/sim.js boots in the simulator and echoes TCP and UDP on the echo port", async () => {
  const { file } = ensureBundle("sim");
  const sim = await simWith(readFileSync(file, "utf8"));
  try {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const c = await client(sim.ports.echo);
    c.sock.write(bytes);
    await until(() => c.data().length === 256, 3000, "the echo");
    assert.deepEqual(Buffer.from(c.data(), "latin1"), bytes);
    c.sock.destroy();
    const reply = await udpAsk(sim.ports.echo, Buffer.from("datagram"), 2000);
    assert.equal(reply?.toString(), "datagram");
  } finally {
    await sim.dispose();
  }
});

test("after load() (as a deploy ends), a board already on its network says wifi=up at once, as the SDK keeps the station connected", async () => {
  const { file } = ensureBundle("sim");
  const sim = await simWith(readFileSync(file, "utf8"));
  const status = async (): Promise<string> => {
    const c = await client(sim.ports.line);
    try {
      await until(() => c.data().includes("ready"), 3000, "the greeting");
      c.sock.write("STATUS\n");
      await until(() => /wifi=\w+/.test(c.data()), 3000, "STATUS");
      return /wifi=(\w+)/.exec(c.data())![1];
    } finally {
      c.sock.destroy();
    }
  };
  try {
    await until(() => devJSON(sim, 'require("Wifi").getStatus().station') === "connected", 3000, "the station");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await status(), "up");
    sim.evaluate("load()");
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await status(), "up");
  } finally {
    await sim.dispose();
  }
});

/*
 * The simulator's `dgram`: messages as byte strings with {address, port, size}, replies with
 * send(msg, port, address), and datagrams over 260 bytes dropped as the ESP8266 port does.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { devJSON, simWith, udpAsk } from "./helpers.ts";

const UDP_ECHO = `var seen = [];
var u = require("dgram").createSocket("udp4");
u.on("message", function (m, r) { seen.push([m.length, typeof r.address, r.size]); u.send(m, r.port, r.address); });
u.bind(9300);`;

test("a datagram of 260 bytes comes back unchanged, with size in rinfo", async () => {
  const sim = await simWith(UDP_ECHO);
  try {
    const payload = Buffer.from(Array.from({ length: 260 }, (_, i) => (i * 7) & 255));
    const reply = await udpAsk(sim.hostPort(9300)!, payload, 2000);
    assert.deepEqual(reply, payload);
    assert.deepEqual(devJSON(sim, "seen"), [[260, "string", 260]]);
  } finally {
    await sim.dispose();
  }
});

test("a datagram over 260 bytes is dropped before the firmware sees it", async () => {
  const sim = await simWith(UDP_ECHO);
  try {
    const reply = await udpAsk(sim.hostPort(9300)!, Buffer.alloc(261, 1), 400);
    assert.equal(reply, undefined);
    assert.deepEqual(devJSON(sim, "seen"), []);
    assert.equal(sim.stats.udpDropped, 1);
  } finally {
    await sim.dispose();
  }
});

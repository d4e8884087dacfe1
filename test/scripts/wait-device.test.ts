/* The deploy's last check: a device that answers over the network cannot say it is still connecting. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { impossibleWifiState } from "../../scripts/deploy/wait-device.ts";

test("a device reached over the network is up or its own access point; connecting or down is reported as wrong", () => {
  assert.equal(impossibleWifiState("up", "10.0.0.5"), null);
  assert.equal(impossibleWifiState("ap", "192.168.4.1"), null);
  assert.equal(impossibleWifiState(null, "10.0.0.5"), null, "no /api/status: nothing to judge");
  assert.match(impossibleWifiState("connecting", "10.0.0.5") ?? "", /answers on 10\.0\.0\.5 but reports wifi=connecting/);
  assert.match(impossibleWifiState("down", "10.0.0.5") ?? "", /wifi=down/);
});

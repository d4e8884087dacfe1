import { test } from "node:test";
import assert from "node:assert/strict";
import { formatStatus } from "../../lib/status-line.ts";

test("formats the SPEC STATUS line", () => {
  assert.equal(
    formatStatus({ uptime: 1234, free: 1300, led: 1, clients: 2, ip: "192.168.1.7", rssi: -61, wifi: "up", dropped: 0 }),
    "OK uptime=1234 free=1300 led=1 clients=2 ip=192.168.1.7 rssi=-61 wifi=up dropped=0",
  );
});

test("writes na when there is no radio", () => {
  assert.match(formatStatus({ uptime: 0, free: 0, led: 0, clients: 0, ip: "127.0.0.1", rssi: null, wifi: "up", dropped: 3 }), / rssi=na wifi=up dropped=3$/);
});

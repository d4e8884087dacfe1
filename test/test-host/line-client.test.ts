/* The harness's parsers of STATUS and sample lines hold the device to docs/PROTOCOL.md. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { errCode, parseSample, parseStatus } from "../../test-host/line-client.ts";

const GOOD = "OK uptime=1234 free=1250 led=1 clients=2 ip=192.168.1.50 rssi=-61 wifi=up dropped=0";

test("parseStatus reads every field of a STATUS reply", () => {
  assert.deepEqual(parseStatus(GOOD), { uptime: 1234, free: 1250, led: 1, clients: 2, ip: "192.168.1.50", rssi: -61, wifi: "up", dropped: 0 });
  assert.equal(parseStatus(GOOD.replace("rssi=-61", "rssi=na")).rssi, null);
});

test("parseStatus rejects missing, reordered or malformed fields", () => {
  const bad = [
    GOOD.replace(" dropped=0", ""),
    GOOD.replace("uptime=1234 free=1250", "free=1250 uptime=1234"),
    GOOD.replace("led=1", "led=2"),
    GOOD.replace("ip=192.168.1.50", "ip=192.168.1"),
    GOOD.replace("ip=192.168.1.50", "ip=300.1.1.1"),
    GOOD.replace("wifi=up", "wifi=maybe"),
    GOOD.replace("rssi=-61", "rssi=strong"),
    GOOD.replace("free=1250", "free=-3"),
    "ERR EUNKNOWN",
  ];
  for (const line of bad) assert.throws(() => parseStatus(line), /STATUS/, line);
});

test("parseSample reads a sample line and rejects one that breaks docs/PROTOCOL.md", () => {
  assert.deepEqual(parseSample("3,1500,512,1200,0"), { seq: 3, ms: 1500, a0: 512, free: 1200, led: 0 });
  for (const l of ["0,1,1,1,0", "1,1,1024,1,0", "1,1,1,1,2", "1,1,1,1", "1,1,1,1,0,9", "a,1,1,1,0", "1,-1,1,1,0"]) {
    assert.throws(() => parseSample(l), /sample|seq|a0|led/, l);
  }
});

test("errCode extracts the code of an ERR line only", () => {
  assert.equal(errCode("ERR EARG stream 50..60000"), "EARG");
  assert.equal(errCode("ERR E2BIG"), "E2BIG");
  assert.equal(errCode("OK led=1"), null);
  assert.equal(errCode("ERR"), null);
});

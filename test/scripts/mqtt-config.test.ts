/*
 * Provision's MQTT configuration (scripts/deploy/mqtt-config.ts) against the device's: the host's
 * copy of the checker gives what the firmware's mqttConfig (firmware/lazy/mqtt.ts, loaded here
 * through the firmware loader) gives, case for case, on the file's bytes as the device reads them;
 * `--mqtt`'s URL; the file provision writes.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { DeployError } from "../../scripts/deploy/errors.ts";
import { checkMqttFile, describeMqtt, mqttFileFor, parseMqttUrl } from "../../scripts/deploy/mqtt-config.ts";
import { board, firmwareModule, loadDevice } from "../firmware/services/fakes.ts";

interface MqttLazy {
  mqttConfig(text: string): unknown;
}

let firmware: MqttLazy;

before(async () => {
  await loadDevice();
  firmware = await firmwareModule<MqttLazy>("lazy/mqtt.ts");
});

const e = (n: number) => "\u00e9".repeat(n); // two bytes each in UTF-8

/** Configurations, good and bad, each field at and past its bounds. */
const CASES: Array<object | string> = [
  "{not json",
  "null",
  "42",
  '"host"',
  {},
  { host: "" },
  { host: 5 },
  { host: "h".repeat(64) },
  { host: "h".repeat(65) },
  { host: "broker.lan" },
  { host: "broker.lan", port: 0 },
  { host: "broker.lan", port: 1 },
  { host: "broker.lan", port: 65535 },
  { host: "broker.lan", port: 65536 },
  { host: "broker.lan", port: 1883.5 },
  { host: "broker.lan", port: "1883" },
  { host: "broker.lan", port: null },
  { host: "broker.lan", period: 0 },
  { host: "broker.lan", period: 1 },
  { host: "broker.lan", period: 3600 },
  { host: "broker.lan", period: 3601 },
  { host: "broker.lan", period: 2.5 },
  { host: "broker.lan", period: null },
  { host: "broker.lan", prefix: "" },
  { host: "broker.lan", prefix: "a/b" },
  { host: "broker.lan", prefix: "a+" },
  { host: "broker.lan", prefix: "#" },
  { host: "broker.lan", prefix: "a\u0000" },
  { host: "broker.lan", prefix: "p".repeat(64) },
  { host: "broker.lan", prefix: "p".repeat(65) },
  { host: "broker.lan", name: "" },
  { host: "broker.lan", name: "dev-1" },
  { host: "broker.lan", name: 7 },
  { host: "broker.lan", name: e(32) },
  { host: "broker.lan", name: e(33) },
  { host: "broker.lan", ha: "" },
  { host: "broker.lan", ha: "ha/x" },
  { host: "broker.lan", ha: "custom" },
  { host: "broker.lan", user: "u" },
  { host: "broker.lan", user: "u".repeat(64) },
  { host: "broker.lan", user: "u".repeat(65) },
  { host: "broker.lan", user: 1 },
  { host: "broker.lan", pass: "p" },
  { host: "broker.lan", user: "u", pass: "p".repeat(64) },
  { host: "broker.lan", user: "u", pass: "p".repeat(65) },
  { host: "broker.lan", user: "u", pass: e(32) },
  { host: "broker.lan", user: "u", pass: e(33) },
  { host: "broker.lan", user: "u", pass: 5 },
  { host: "10.0.0.2", port: 8883, user: "u", pass: 'p"\\w', prefix: "fleet", name: "dev-2", period: 30, ha: "" },
];

describe("the host's checker is the device's", () => {
  test("every case: the same configuration (defaults included) or the same refusal", () => {
    let good = 0;
    for (const c of CASES) {
      const text = typeof c === "string" ? c : JSON.stringify(c);
      const bytes = Buffer.from(text, "utf8");
      // The device reads the file as bytes, one character each.
      const device = firmware.mqttConfig(bytes.toString("latin1"));
      const host = checkMqttFile(bytes, board.deviceName);
      assert.deepEqual(host, device, text);
      if (typeof host !== "string") good++;
    }
    assert.ok(good >= 15 && good <= CASES.length - 15, `both good and bad cases (${good} good)`);
  });

  test("lengths count bytes, as on the device: 32 two-byte characters fit, 33 do not", () => {
    assert.equal(typeof checkMqttFile(Buffer.from(JSON.stringify({ host: "h", name: e(32) })), "d"), "object");
    assert.equal(checkMqttFile(Buffer.from(JSON.stringify({ host: "h", name: e(33) })), "d"), "bad prefix, name or ha");
  });
});

function usage(f: () => unknown, why: RegExp): void {
  assert.throws(f, (x: unknown) => x instanceof DeployError && x.code === "EUSAGE" && why.test(x.message));
}

describe("--mqtt's URL", () => {
  test("host, port (1883 by default), user (percent-decoded)", () => {
    assert.deepEqual(parseMqttUrl("mqtt://broker.lan"), { host: "broker.lan", port: 1883 });
    assert.deepEqual(parseMqttUrl("mqtt://10.0.0.2:1884/"), { host: "10.0.0.2", port: 1884 });
    assert.deepEqual(parseMqttUrl("MQTT://me%40home@broker.lan:1"), { host: "broker.lan", port: 1, user: "me@home" });
  });

  test("a password in it is refused, and not repeated", () => {
    assert.throws(
      () => parseMqttUrl("mqtt://me:hunter22@broker.lan"),
      (x: unknown) => x instanceof DeployError && x.code === "EUSAGE" && /secrets are not taken on the command line/.test(x.message) && !x.message.includes("hunter22"),
    );
    usage(() => parseMqttUrl("mqtt://me:@broker.lan"), /holds a password/);
  });

  test("other forms are refused, saying which form is wanted", () => {
    usage(() => parseMqttUrl("broker.lan"), /wants mqtt:\/\/\[user@\]host\[:port\]/);
    usage(() => parseMqttUrl("mqtts://broker.lan"), /no TLS/);
    usage(() => parseMqttUrl("ws://broker.lan"), /no TLS, no WebSocket/);
    usage(() => parseMqttUrl("mqtt://broker.lan/x"), /wants/);
    usage(() => parseMqttUrl("mqtt://"), /no host/);
    usage(() => parseMqttUrl("mqtt://h:x"), /port must be a number/);
    usage(() => parseMqttUrl("mqtt://h:"), /port must be a number/);
    usage(() => parseMqttUrl("mqtt://@h"), /empty user/);
    usage(() => parseMqttUrl("mqtt://%zz@h"), /percent-encoded/);
  });
});

describe("the file provision writes", () => {
  test("the fields given and the port; the password only with a user; --mqtt-ha off is empty", () => {
    const f = mqttFileFor({ host: "b", port: 1883, user: "u" }, { prefix: "fleet", name: "n1", period: "5", ha: "off" }, "pw", "dev");
    assert.deepEqual(JSON.parse(f.data.toString("utf8")), { host: "b", port: 1883, user: "u", pass: "pw", prefix: "fleet", name: "n1", period: 5, ha: "" });
    const bare = mqttFileFor({ host: "b", port: 1883 }, {}, "pw", "dev");
    assert.deepEqual(JSON.parse(bare.data.toString("utf8")), { host: "b", port: 1883 });
    assert.equal(bare.config.name, "dev");
    assert.equal(describeMqtt(f.config, "n1"), "mqtt://u@b:1883 (with a password), prefix fleet, name n1, every 5 s, Home Assistant discovery off");
    assert.ok(!describeMqtt(f.config, "n1").includes("pw"));
  });

  test("a bad field is a usage error naming the option, never showing the password", () => {
    usage(() => mqttFileFor({ host: "b", port: 1883 }, { period: "10s" }, undefined, "dev"), /bad period.*--mqtt-period/);
    usage(() => mqttFileFor({ host: "b", port: 1883 }, { period: "" }, undefined, "dev"), /bad period/);
    usage(() => mqttFileFor({ host: "b", port: 1883 }, { name: "a/b" }, undefined, "dev"), /--mqtt-name/);
    const long = "secret-".repeat(10);
    assert.throws(
      () => mqttFileFor({ host: "b", port: 1883, user: "u" }, {}, long, "dev"),
      (x: unknown) => x instanceof DeployError && /ESPFW_MQTT_PASSWORD must be at most 64 bytes/.test(x.message) && !x.message.includes("secret-"),
    );
  });
});

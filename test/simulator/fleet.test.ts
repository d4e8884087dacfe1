/*
 * A fleet of simulators (simulator/fleet.ts, `npm start -- --fleet N --mqtt URL`): the broker's
 * URL as the device's mqtt file takes it, the devices' names and files, and the CLI: one line per
 * device with its ports, the broker without its credentials, a state folder per device, and a
 * bad command line exiting 2 without echoing a password.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { checkFleetWords, describeBroker, fleetNames, mqttFile, parseMqttUrl } from "../../simulator/fleet.ts";
import { mosquittoPath, startBroker } from "../helpers/mosquitto.ts";

test("parseMqttUrl: host, port 1883 by default, credentials decoded, a user's password from ESPFW_MQTT_PASSWORD", () => {
  assert.deepEqual(parseMqttUrl("mqtt://127.0.0.1"), { host: "127.0.0.1", port: 1883 });
  assert.deepEqual(parseMqttUrl("mqtt://broker.lan:1884/"), { host: "broker.lan", port: 1884 });
  assert.deepEqual(parseMqttUrl("mqtt://dev%40home:p%3Ass@h:1"), { host: "h", port: 1, user: "dev@home", pass: "p:ss" });
  assert.deepEqual(parseMqttUrl("mqtt://u@h", { ESPFW_MQTT_PASSWORD: "pw" }), { host: "h", port: 1883, user: "u", pass: "pw" });
  assert.deepEqual(parseMqttUrl("mqtt://u:url@h", { ESPFW_MQTT_PASSWORD: "pw" }).pass, "url", "the URL's own password first");
  assert.deepEqual(parseMqttUrl("mqtt://h", { ESPFW_MQTT_PASSWORD: "pw" }), { host: "h", port: 1883 }, "no user, no password");
  assert.deepEqual(parseMqttUrl("tcp://[::1]:1883"), { host: "::1", port: 1883 });
});

test("parseMqttUrl refuses what the device cannot use, and no message holds the password", () => {
  for (const [url, re] of [
    ["mqtts://u:hunter2@h", /plain MQTT over TCP/],
    ["ws://u:hunter2@h", /plain MQTT over TCP/],
    ["mqtt://u:hunter2@h/topic", /no path/],
    ["hunter2", /wants a URL/],
    [`mqtt://u:hunter2@${"h".repeat(70)}`, /host is longer/],
    [`mqtt://u:${"hunter2".repeat(10)}@h`, /longer than the device takes/],
  ] as const) {
    assert.throws(() => parseMqttUrl(url), (e: Error) => re.test(e.message) && !e.message.includes("hunter2"), url);
  }
});

test("describeBroker gives host and port, never the user or the password", () => {
  assert.equal(describeBroker({ host: "127.0.0.1", port: 1883 }), "mqtt://127.0.0.1:1883");
  const d = describeBroker(parseMqttUrl("mqtt://alice:hunter2@h:1884"));
  assert.equal(d, "mqtt://h:1884 (with the URL's credentials, not shown)");
  assert.equal(describeBroker({ host: "::1", port: 1 }), "mqtt://[::1]:1");
});

test("fleet names are zero-padded to the fleet's size; the mqtt file holds what the device reads", () => {
  assert.deepEqual(fleetNames(3), ["sim-01", "sim-02", "sim-03"]);
  assert.equal(fleetNames(20)[19], "sim-20");
  assert.deepEqual(fleetNames(120, "lab").slice(0, 2), ["lab-001", "lab-002"]);
  assert.deepEqual(JSON.parse(mqttFile({ host: "h", port: 1 }, "sim-01", {})), { host: "h", port: 1, prefix: "espfw", name: "sim-01" });
  assert.deepEqual(JSON.parse(mqttFile({ host: "h", port: 1, user: "u", pass: "p" }, "x", { prefix: "home", period: 5, ha: "" })), {
    host: "h",
    port: 1,
    user: "u",
    pass: "p",
    prefix: "home",
    name: "x",
    period: 5,
    ha: "",
  });
  assert.throws(() => checkFleetWords("a b", "espfw"), /name prefix/);
  assert.throws(() => checkFleetWords("sim", "a/b"), /topic prefix/);
  checkFleetWords("lab.2_x-y", "home");
});

function cli(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "simulator/cli.ts", ...args], { encoding: "utf8", timeout: 60000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

test("npm start: a bad fleet command line exits 2 saying why, without the password", () => {
  for (const [args, re] of [
    [["--fleet", "3"], /--fleet needs --mqtt/],
    [["--mqtt", "mqtt://h"], /go with --fleet/],
    [["--fleet", "0", "--mqtt", "mqtt://h"], /--fleet wants 1\.\.200/],
    [["--fleet", "2.5", "--mqtt", "mqtt://h"], /--fleet wants 1\.\.200/],
    [["--fleet", "2", "--mqtt", "mqtts://u:hunter2@h"], /plain MQTT over TCP/],
    [["--fleet", "2", "--mqtt", "mqtt://u:hunter2@h", "--control", "9999"], /for one device/],
    [["--fleet", "2", "--mqtt", "mqtt://h", "--fleet-name", "a b"], /name prefix/],
    [["--fleet", "2", "--mqtt", "mqtt://h", "--mqtt-prefix", "a/b"], /topic prefix/],
  ] as const) {
    const r = cli([...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.out}`);
    assert.match(r.out, re, args.join(" "));
    assert.match(r.out, /usage: npm start/);
    assert.ok(!r.out.includes("hunter2"), r.out);
  }
  assert.match(cli(["--help"]).out, /--fleet <n>[\s\S]*--mqtt <url>[\s\S]*--fleet-name[\s\S]*--mqtt-prefix/);
});

test(
  "npm start -- --fleet 3 --mqtt: one line per device with its ports, the broker without credentials, a state folder each; all three online",
  { skip: mosquittoPath() === null ? "mosquitto is not installed (scripts/install-system-deps.sh)" : false },
  async () => {
    const broker = await startBroker();
    const state = mkdtempSync(join(tmpdir(), "espfw-fleet-cli-"));
    try {
      const url = `mqtt://alice:hunter2@127.0.0.1:${broker.port}`;
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "simulator/cli.ts", "--fleet", "3", "--mqtt", url, "--state", state, "--fleet-name", "lab"], {
          stdio: ["ignore", "pipe", "pipe"],
        });
        let text = "";
        let stopping = false;
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error("no fleet in 60 s:\n" + text));
        }, 60000);
        child.stdout.on("data", (b: Buffer) => {
          text += b.toString();
          // Up, and each device connected to the broker: then Ctrl-C.
          if (!stopping && text.includes("Ctrl-C stops") && ["lab-01", "lab-02", "lab-03"].every((n) => text.includes(`${n}| mqtt: connected`))) {
            stopping = true;
            child.kill("SIGINT");
          }
        });
        child.stderr.on("data", (b: Buffer) => (text += b.toString()));
        child.on("exit", (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(text);
          else reject(new Error(`exit ${code}:\n${text}`));
        });
      });
      for (const n of ["lab-01", "lab-02", "lab-03"]) {
        assert.match(out, new RegExp(`^sim:   ${n}  http \\d+  line \\d+  echo \\d+  console \\d+$`, "m"), out);
        const file = join(state, "fleet", n, "storage", Buffer.from("mqtt", "latin1").toString("hex") + ".bin");
        assert.ok(existsSync(file), file);
        assert.deepEqual(JSON.parse(readFileSync(file, "latin1")), { host: "127.0.0.1", port: broker.port, user: "alice", pass: "hunter2", prefix: "espfw", name: n });
      }
      const ports = [...out.matchAll(/http (\d+) {2}line (\d+)/g)].flatMap((m) => [m[1], m[2]]);
      assert.equal(new Set(ports).size, 6, "every device its own ports");
      assert.match(out, new RegExp(`MQTT broker mqtt://127\\.0\\.0\\.1:${broker.port} \\(with the URL's credentials, not shown\\)`));
      assert.match(out, new RegExp(`harness -- fleet --mqtt mqtt://127\\.0\\.0\\.1:${broker.port}\\b`));
      assert.ok(!out.includes("hunter2"), "the password is never printed");
      assert.ok(!out.includes("alice"), "nor the user");
      assert.match(out, /sim: SIGINT, stopping/);
    } finally {
      rmSync(state, { recursive: true, force: true });
      await broker.dispose();
    }
  },
);

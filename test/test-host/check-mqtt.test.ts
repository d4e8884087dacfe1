/*
 * `harness check --target mqtt://...` (test-host/commands/check-mqtt.ts, test-host/checks/mqtt.ts):
 * its command line and exit codes; against a real Mosquitto, one simulated device (the sim bundle,
 * its Storage `mqtt` file naming the broker, period 1 s) passing every check, a broker restart
 * included; and devices played by an mqtt.js client here that break the contract (TOGGLE answered
 * wrongly, an oversized PUBLISH taken without cutting) failing exactly the checks they break.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import mqtt, { type MqttClient } from "mqtt";
import { startFleet, type FleetHandle } from "../../simulator/fleet.ts";
import { ensureBundle, REPO_ROOT } from "../../simulator/index.ts";
import { parseArgs } from "../../test-host/args.ts";
import { harnessClientId, MQTT_CHECKS, runShell, selectMqttChecks } from "../../test-host/checks/mqtt.ts";
import { isMqttCheck, parseCheckMqttArgs, runMqttCheck } from "../../test-host/commands/check-mqtt.ts";
import { encodeFrame } from "../../test-host/frame.ts";
import type { RunReport } from "../../test-host/report.ts";
import { freePort, mosquittoPath, startBroker, type Broker } from "../helpers/mosquitto.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The harness's CLI as a child process, asynchronously (devices may run in this process). */
function harness(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "test-host/cli.ts", ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the harness did not end in 90 s:\n${stdout}\n${stderr}`));
    }, 90000);
    child.on("exit", (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

const usage = (argv: string[], re: RegExp) =>
  assert.throws(() => parseCheckMqttArgs(argv), (e: Error & { code?: string }) => e.code === "EUSAGE" && re.test(e.message), `${argv.join(" ")} → ${re}`);

test("check --target mqtt://: the command line", () => {
  assert.equal(isMqttCheck(["check", "--target", "mqtt://127.0.0.1"]), true);
  assert.equal(isMqttCheck(["--target=mqtt://h:1884", "check"]), true);
  assert.equal(isMqttCheck(["--only", "led", "check", "--target", "mqtt://h"]), true);
  assert.equal(isMqttCheck(["check", "--target", "sim"]), false);
  assert.equal(isMqttCheck(["load", "--target", "mqtt://h"]), false);
  const a = parseCheckMqttArgs(["--target", "mqtt://broker.lan", "--device", "node-1", "--user", "u", "--period", "5", "--ha", "off", "--only", "led,status", "--json"]);
  assert.deepEqual([a.device, a.prefix, a.user, a.period, a.ha, a.only, a.json], ["node-1", "espfw", "u", 5, null, ["led", "status"], true]);
  usage(["--target", "mqtt://u:hunter2@h"], /no password in the URL .*ESPFW_MQTT_PASSWORD/);
  usage(["--target", "mqtt://h", "--password", "x"], /no password on the command line/);
  usage(["--target", "mqtts://h"], /plain MQTT over TCP/);
  usage(["--target", "mqtt://h", "--device", "a/b"], /--device is a topic level/);
  usage(["--target", "mqtt://h", "--prefix", "#"], /--prefix is a topic level/);
  usage(["--target", "mqtt://h", "--period", "0.5"], /--period wants a whole number/);
  usage(["--target", "mqtt://h", "--only", "nothing"], /names no check/);
  usage(["--target", "mqtt://h", "--board", "nodemcu"], /unknown option --board/);
  usage(["--device", "x"], /--target is needed/);
  assert.throws(() => parseArgs(["load", "--target", "mqtt://h"]), /only check takes an mqtt:\/\/ target/);
  assert.deepEqual(selectMqttChecks(["led"]).map((c) => c.name), ["mqtt.led", "mqtt.led.junk"]);
  assert.deepEqual(selectMqttChecks(["mqtt.led."]).map((c) => c.name), ["mqtt.led.junk"]);
  assert.equal(selectMqttChecks([]).length, MQTT_CHECKS.length);
  assert.ok(harnessClientId("watch").length <= 23);
});

test("--restart-cmd runs in a shell and must exit 0", async () => {
  await runShell("true");
  await assert.rejects(runShell("exit 3"), /--restart-cmd exited with 3/);
});

test("check --target mqtt://: --help, a bad line and a broker nobody answers at", async () => {
  const help = spawnSync(process.execPath, ["--import", "tsx", "test-host/cli.ts", "check", "--target", "mqtt://127.0.0.1", "--help"], { cwd: REPO_ROOT, encoding: "utf8" });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^usage: npm run harness -- check --target mqtt:\/\/host\[:port\]/);
  assert.match(help.stdout, /mqtt\.takeover/);
  const port = await freePort();
  const [bad, none] = await Promise.all([
    harness(["check", "--target", "mqtt://u:hunter2@127.0.0.1"]),
    harness(["check", "--target", `mqtt://127.0.0.1:${port}`, "--user", "u", "--connect-timeout", "1500"], { ESPFW_MQTT_PASSWORD: "s3cret-pw" }),
  ]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /no password in the URL/);
  assert.match(bad.stderr, /usage: npm run harness -- check --target mqtt:/);
  assert.ok(!(bad.stdout + bad.stderr).includes("hunter2"));
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, new RegExp(`harness: cannot reach the MQTT broker mqtt://127\\.0\\.0\\.1:${port}`));
  assert.ok(!(none.stdout + none.stderr).includes("s3cret-pw"));
});

const skip = mosquittoPath() === null ? "mosquitto is not installed (scripts/install-system-deps.sh)" : false;

describe("check --target mqtt:// against Mosquitto", { skip }, () => {
  let broker: Broker;
  let dir: string;
  before(async () => {
    broker = await startBroker();
    dir = mkdtempSync(join(tmpdir(), "check-mqtt-"));
  });
  after(async () => {
    await broker?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test("one simulated device passes every check, the broker's restart included", async () => {
    let fleet: FleetHandle | undefined;
    try {
      fleet = await startFleet({ n: 1, mqtt: broker.url, namePrefix: "dut", period: 1, stateRoot: join(dir, "fleet"), fresh: true, sim: { bundle: ensureBundle("sim").file } });
      const t0 = Date.now();
      const report = await runMqttCheck({
        target: broker.url,
        discoverMs: 2500,
        restart: async () => {
          await broker.stop();
          await wait(1000);
          await broker.start();
        },
      });
      process.stderr.write(`# check --target mqtt://: ${report.counts.pass} passed in ${Date.now() - t0} ms\n`);
      const failed = report.results.filter((r) => r.outcome !== "pass").map((r) => `${r.name}: ${r.detail}`);
      assert.deepEqual(failed, []);
      assert.deepEqual(report.results.map((r) => r.name), MQTT_CHECKS.map((c) => c.name));
      assert.equal(report.device, "dut-01");
      assert.equal(report.ok, true);
      // Mosquitto publishes the will when another client takes the device's id over.
      assert.equal(report.summary?.willOnTakeover, true);
      for (const name of ["mqtt.takeover", "mqtt.in-max", "mqtt.flood"]) {
        const d = report.results.find((r) => r.name === name)!.data!;
        assert.equal(d.will, true, `${name}: the will`);
        assert.ok((d.awayMs as number) < 4000, `${name}: back in ${d.awayMs as number} ms`);
      }
    } finally {
      await fleet?.stop();
    }
  });

  // The two runs below only read what the fake devices publish: they may run at once.
  describe("devices played by a client here", { concurrency: true }, () => {
    let liar: MqttClient;
    let twin: MqttClient;
    let timer: NodeJS.Timeout | undefined;
    let led = 0;
    /**
     * `fake/liar` keeps the contract (status, samples and frames a second, state, led) but answers
     * TOGGLE as ON, and takes any PUBLISH without cutting the connection. `fake/twin` only says
     * online: two devices under `fake/`.
     */
    before(async () => {
      const will = { topic: "fake/liar/status", payload: Buffer.from("offline"), qos: 1 as const, retain: true };
      liar = await mqtt.connectAsync(broker.url, { clientId: "liar", will, reconnectPeriod: 0 });
      const t0 = Date.now();
      let seq = 0;
      const state = () => JSON.stringify({ name: "liar", version: "0.0.0-fake", ip: "127.0.0.1", rssi: null, uptime: Date.now() - t0, free: 1000, led, dropped: 0 });
      await liar.publishAsync("fake/liar/status", "online", { qos: 1, retain: true });
      await liar.publishAsync("fake/liar/led", "OFF", { qos: 1, retain: true });
      await liar.publishAsync("fake/liar/state", state(), { qos: 0, retain: true });
      liar.on("message", (_topic, payload) => {
        const v = payload.toString();
        if (v !== "ON" && v !== "OFF" && v !== "TOGGLE") return;
        led = v === "OFF" ? 0 : 1;
        liar.publish("fake/liar/led", led ? "ON" : "OFF", { qos: 1, retain: true });
      });
      await liar.subscribeAsync("fake/liar/led/set", { qos: 1 });
      timer = setInterval(() => {
        const ms = Date.now() - t0;
        seq++;
        liar.publish("fake/liar/sample", `${seq},${ms},${seq % 1024},1000,${led}`);
        liar.publish("fake/liar/frame", Buffer.from(encodeFrame({ seq, ms, a0: seq % 1024, free: 1000, led, flags: 1 })));
      }, 1000);
      twin = await mqtt.connectAsync(broker.url, { clientId: "twin", reconnectPeriod: 0 });
      await twin.publishAsync("fake/twin/status", "online", { qos: 1, retain: true });
    });
    after(() => {
      clearInterval(timer);
      liar?.end(true);
      twin?.end(true);
    });

    test("TOGGLE answered wrongly fails mqtt.led, a 300-byte PUBLISH taken in stride fails mqtt.in-max; the rest pass; exit code 1", async () => {
      const r = await harness(["check", "--target", broker.url, "--prefix", "fake", "--device", "liar", "--only", "status,sample,frame,state,led,in-max", "--json"]);
      assert.equal(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout) as RunReport;
      assert.equal(report.ok, false);
      const rows = Object.fromEntries(report.results.map((x) => [x.name, x]));
      assert.deepEqual(Object.keys(rows), ["mqtt.status", "mqtt.sample", "mqtt.frame", "mqtt.state", "mqtt.led", "mqtt.led.junk", "mqtt.in-max"]);
      assert.deepEqual(report.results.filter((x) => x.outcome === "fail").map((x) => x.name), ["mqtt.led", "mqtt.in-max"], r.stderr);
      assert.match(rows["mqtt.led"].detail, /TOGGLE with the LED ON answered "ON" on fake\/liar\/led, want OFF/);
      assert.match(rows["mqtt.in-max"].detail, /the device did not cut the connection after a 300-byte PUBLISH/);
      // The table went to stderr with --json, and the LED was put back as it was found.
      assert.match(r.stderr, /mqtt\.led\s+FAIL/);
      await wait(300);
      assert.equal(led, 0);
    });

    test("without --device: two devices under the prefix, or none, is exit 2 saying which", async () => {
      const [two, none] = await Promise.all([harness(["check", "--target", broker.url, "--prefix", "fake"]), harness(["check", "--target", broker.url, "--prefix", "nobody"])]);
      assert.equal(two.code, 2, two.stderr);
      assert.match(two.stderr, /harness: 2 devices online under fake\/ on mqtt:\/\/127\.0\.0\.1:\d+: liar, twin; name one with --device/);
      assert.equal(none.code, 2, none.stderr);
      assert.match(none.stderr, /harness: no device online under nobody\/ on mqtt:\/\/127\.0\.0\.1:\d+ within 3 s; name one with --device, or give its --prefix/);
    });
  });
});

/*
 * The real-interpreter tier: the harness against Espruino's Linux interpreter ($ESPRUINO_BIN)
 * with dist/linux.js booted from Storage. Skipped, and said so, when ESPRUINO_BIN is not set.
 * The interpreter listens on the linux board's fixed ports, so these tests run one at a time.
 * The last one also needs Mosquitto: the device's MQTT client against a real broker, checked by
 * `check --target mqtt://`.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { MQTT_CHECKS } from "../../test-host/checks/mqtt.ts";
import { runMqttCheck } from "../../test-host/commands/check-mqtt.ts";
import { runCheck } from "../../test-host/commands/check.ts";
import { runHostile } from "../../test-host/commands/hostile.ts";
import { runLoad } from "../../test-host/commands/load.ts";
import type { CheckResult } from "../../test-host/report.ts";
import { openTarget, type Target, type TargetOptions } from "../../test-host/target.ts";
import { mosquittoPath, startBroker } from "../helpers/mosquitto.ts";

const BIN = process.env.ESPRUINO_BIN;
const SKIP = BIN ? false : "ESPRUINO_BIN is not set: the real-interpreter tier is skipped (see docs/HARNESS.md)";

function failures(results: CheckResult[]): string {
  return results.filter((r) => r.outcome === "fail").map((r) => `${r.name}: ${r.detail}`).join("\n");
}

async function withLinux<T>(fn: (t: Target) => Promise<T>, opts: TargetOptions = {}): Promise<T> {
  const t = await openTarget("linux", opts);
  try {
    return await fn(t);
  } finally {
    await t.stop();
  }
}

test("the linux bundle boots from Storage in Espruino's interpreter with no syntax, reference or memory error", { skip: SKIP }, async () => {
  const log = await withLinux(async (t) => {
    await new Promise((r) => setTimeout(r, 2000));
    return t.consoleLog();
  });
  assert.match(log, /\(linux\) up/, "the firmware's boot line");
  assert.doesNotMatch(log, /SyntaxError|ReferenceError|Uncaught|OUT OF MEMORY|LOW_MEMORY|ASSERT/);
});

test("every conformance check passes against the bundle booted in Espruino's Linux interpreter", { skip: SKIP, concurrency: false }, async () => {
  const results = await withLinux((t) => runCheck(t, { quick: true, only: [], seed: 42 }));
  assert.equal(failures(results), "");
});

test("a short hostile run leaves the Linux interpreter serving, with its memory back", { skip: SKIP }, async () => {
  const { results } = await withLinux((t) => runHostile(t, { quick: true }));
  assert.equal(failures(results), "");
});

test("a short mixed load on the Linux interpreter has no errors and gives its memory back", { skip: SKIP }, async () => {
  const { results } = await withLinux((t) => runLoad(t, { seconds: 2, service: "mixed" }));
  assert.equal(failures(results), "");
});

const SKIP_MQTT = SKIP || (mosquittoPath() === null ? "mosquitto is not installed (scripts/install-system-deps.sh)" : false);

test("the MQTT client on Espruino's Linux interpreter passes check --target mqtt://, a broker restart included", { skip: SKIP_MQTT }, async () => {
  const broker = await startBroker();
  const dir = mkdtempSync(join(tmpdir(), "linux-mqtt-"));
  try {
    // The Storage file provisioning writes (docs/FLEET.md): the broker, one sample a second.
    const cfg = join(dir, "mqtt.json");
    writeFileSync(cfg, JSON.stringify({ host: "127.0.0.1", port: broker.port, name: "linux-dut", period: 1 }));
    const { report, log } = await withLinux(
      async (t) => {
        const report = await runMqttCheck({
          target: broker.url,
          device: "linux-dut",
          restart: async () => {
            await broker.stop();
            await new Promise((r) => setTimeout(r, 1000));
            await broker.start();
          },
        });
        return { report, log: t.consoleLog() };
      },
      { storageFiles: [{ name: "mqtt", path: cfg }] },
    );
    const failed = report.results.filter((r) => r.outcome !== "pass").map((r) => `${r.name}: ${r.detail}`);
    assert.deepEqual(failed, [], log.slice(-1500));
    assert.deepEqual(report.results.map((r) => r.name), MQTT_CHECKS.map((c) => c.name));
    assert.match(log, /mqtt: connected/);
    assert.doesNotMatch(log, /SyntaxError|ReferenceError|Uncaught|OUT OF MEMORY|LOW_MEMORY|ASSERT/);
  } finally {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

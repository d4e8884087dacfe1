/*
 * `harness fleet` against a real Mosquitto, with devices played by an mqtt.js client here: the
 * table redrawn in place on a terminal, plain lines otherwise, the JSON summary, the broker lost
 * and found again, and the exit codes (2 for a broker that does not answer).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { PassThrough } from "node:stream";
import { after, before, describe, test } from "node:test";
import mqtt, { type MqttClient } from "mqtt";
import { type FleetIo, parseFleetArgs, runFleet, watchFleet } from "../../test-host/commands/fleet.ts";
import type { FleetSummary } from "../../test-host/fleet-view.ts";
import { freePort, mosquittoPath, startBroker, type Broker } from "../helpers/mosquitto.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function harness(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "test-host/cli.ts", ...args], { encoding: "utf8", timeout: 60000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** A stream that remembers what was written, a terminal or not. */
function capture(isTTY: boolean): PassThrough & { isTTY: boolean; text(): string } {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; text(): string };
  let text = "";
  s.on("data", (b: Buffer) => (text += b.toString()));
  s.isTTY = isTTY;
  s.text = () => text;
  return s;
}

test("harness fleet --help and bad command lines", () => {
  const help = harness(["fleet", "--help"]);
  assert.equal(help.code, 0, help.out);
  assert.match(help.out, /usage: npm run harness -- fleet --mqtt/);
  assert.match(harness(["--help"]).out, /fleet --mqtt mqtt:\/\/host:port/, "the harness's own usage names fleet");
  const none = harness(["fleet"]);
  assert.equal(none.code, 2, none.out);
  assert.match(none.out, /--mqtt is needed/);
  const target = harness(["fleet", "--target", "sim"]);
  assert.equal(target.code, 2);
  assert.match(target.out, /unknown option --target for fleet/);
});

test("harness fleet exits 2 when the broker does not answer, naming it", async () => {
  const port = await freePort();
  const r = harness(["fleet", "--mqtt", `mqtt://u:hunter2@127.0.0.1:${port}`, "--seconds", "1", "--connect-timeout", "1500"]);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, new RegExp(`cannot reach the MQTT broker mqtt://127\\.0\\.0\\.1:${port}`));
  assert.ok(!r.out.includes("hunter2"));
});

describe("harness fleet against Mosquitto", { skip: mosquittoPath() === null ? "mosquitto is not installed (scripts/install-system-deps.sh)" : false }, () => {
  let broker: Broker;
  let dev: MqttClient;
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  /** Two devices: "a" publishes a sample every 200 ms (seq 3 never sent), "b" said offline. */
  before(async () => {
    broker = await startBroker();
    dev = await mqtt.connectAsync(broker.url, { reconnectPeriod: 200 });
    await dev.publishAsync("espfw/a/status", "online", { retain: true, qos: 1 });
    await dev.publishAsync("espfw/a/state", '{"name":"a","dropped":1}', { retain: true, qos: 1 });
    await dev.publishAsync("espfw/b/status", "offline", { retain: true, qos: 1 });
    timer = setInterval(() => {
      seq++;
      if (seq !== 3 && dev.connected) dev.publish("espfw/a/sample", `${seq},${seq * 200},${seq % 1024},1240,0`);
    }, 200);
  });
  after(async () => {
    clearInterval(timer);
    dev?.end(true);
    await broker?.dispose();
  });

  test("on a terminal the table is redrawn in place each second; the summary says 1 of 2 offline and the exit code is 1", async () => {
    const stdout = capture(true);
    const stderr = capture(false);
    const io: FleetIo = { stdout, stderr, env: {} };
    const code = await runFleet(parseFleetArgs(["--mqtt", broker.url, "--seconds", "2.5"]), io);
    assert.equal(code, 1, stderr.text());
    const out = stdout.text();
    // Moves up over the last drawing and clears to the end of the screen, at each redraw.
    const redraws = out.split("\x1b[J").slice(0, -1);
    assert.ok(redraws.length >= 2, `${redraws.length} redraws`);
    for (const r of redraws) {
      const up = /\[\d+A$/.exec(r);
      assert.ok(up && r[r.length - up[0].length - 1] === "\x1b", "ESC [ n A before each");
    }
    assert.match(out, /^a\s+online\s+\d+/m);
    assert.match(out, /^b\s+offline\s+-/m);
    assert.match(out, /a: 1 sample missing \(seq 3\)/, "events under the table");
    assert.match(stderr.text(), /harness: fleet: 1 of 2 not online: b \(offline\)/);
  });

  test("not a terminal: plain lines; --json puts only the summary on stdout", async () => {
    const stdout = capture(false);
    const stderr = capture(false);
    const code = await runFleet(parseFleetArgs(["--mqtt", broker.url, "--seconds", "1.5", "--json", "--expect", "1"]), { stdout, stderr, env: {} });
    assert.equal(code, 1);
    const doc = JSON.parse(stdout.text()) as FleetSummary & { ok: boolean; command: string; problem: string };
    assert.equal(doc.command, "fleet");
    assert.equal(doc.ok, false);
    assert.equal(doc.problem, "1 of 2 not online: b (offline)");
    assert.deepEqual(doc.devices.map((d) => [d.name, d.status, d.dropped]), [["a", "online", 1], ["b", "offline", null]]);
    assert.ok(doc.devices[0].samples >= 3, `${doc.devices[0].samples} samples`);
    assert.ok(!stderr.text().includes("\x1b["));
    assert.match(stderr.text(), /^\[\s*\d+\.\d s\] watching espfw\/\+\/\{sample,status,state\} on mqtt:\/\/127\.0\.0\.1:\d+ for 1\.5 s$/m);
    assert.match(stderr.text(), /^\[\s*\d+\.\d s\] a: online$/m);
  });

  test("a broker restart: the view counts it, subscribes again and goes on", async () => {
    const events: string[] = [];
    const w = await watchFleet({ mqtt: broker.url, onEvent: (e) => events.push(e) });
    try {
      await wait(600);
      const before = w.summary().devices.find((d) => d.name === "a")!.samples;
      assert.ok(before >= 1);
      await broker.stop();
      await wait(500);
      await broker.start();
      // The played device comes back on its own; its retained messages died with the broker.
      await dev.publishAsync("espfw/a/status", "online", { retain: true, qos: 1 });
      const end = Date.now() + 15000;
      while (w.summary().devices.find((d) => d.name === "a")!.samples < before + 3 && Date.now() < end) await wait(100);
      const s = w.summary();
      assert.equal(s.brokerDisconnects, 1);
      assert.ok(s.devices.find((d) => d.name === "a")!.samples >= before + 3, "samples again after the restart");
      assert.ok(events.some((e) => /broker .* lost; reconnecting/.test(e)) && events.some((e) => /broker .* back/.test(e)), events.join("|"));
    } finally {
      await w.stop();
    }
  });
});

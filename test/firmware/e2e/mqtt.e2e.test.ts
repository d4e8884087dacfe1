/*
 * The device's MQTT client end to end: the sim bundle in the simulator, its Storage holding an
 * MQTT configuration, a real Mosquitto broker, and mqtt.js on the host as the other client (what
 * Home Assistant or a fleet view would be). Online and last will, samples as CSV and frames,
 * the retained state, LED commands at QoS 1, Home Assistant discovery, a broker restart.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import mqtt, { type MqttClient } from "mqtt";
import { decodeFrame } from "../../../lib/sample-frame.ts";
import { startBroker, mosquittoPath, type Broker } from "../../helpers/mosquitto.ts";
import { startWebSim, type WebSim } from "../../../test/web/sim-rig.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await wait(50);
  }
}

/** Every message seen on the broker, in order, and the last one of each topic. */
interface Seen {
  all: Array<{ topic: string; payload: Buffer; retain: boolean }>;
  last: Map<string, string>;
}

async function watch(url: string, filters: string[]): Promise<{ c: MqttClient; seen: Seen }> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 200 });
  const seen: Seen = { all: [], last: new Map() };
  c.on("message", (topic, payload, packet) => {
    seen.all.push({ topic, payload, retain: packet.retain });
    seen.last.set(topic, payload.toString("latin1"));
  });
  await c.subscribeAsync(filters, { qos: 1 });
  return { c, seen };
}

const skip = mosquittoPath() === null ? "mosquitto is not installed (scripts/install-system-deps.sh)" : false;

describe("MQTT on the simulator against Mosquitto", { skip }, () => {
  let broker: Broker;
  let w: WebSim;
  let host: { c: MqttClient; seen: Seen };
  const base = "espfw/sim-a/";
  const samples = (): string[] => host.seen.all.filter((m) => m.topic === base + "sample").map((m) => m.payload.toString());

  before(async () => {
    broker = await startBroker();
    host = await watch(broker.url, ["espfw/#", "homeassistant/#"]);
    w = await startWebSim({}, { mqtt: JSON.stringify({ host: "127.0.0.1", port: broker.port, name: "sim-a" }) });
  });
  after(async () => {
    await w?.stop();
    host?.c.end(true);
    await broker?.dispose();
  });

  test("the device says online (retained), then publishes a sample a second as CSV, with consecutive seq", async () => {
    await until("online", () => host.seen.last.get(base + "status") === "online");
    await until("4 samples", () => samples().length >= 4);
    const rows = samples().map((l) => l.split(",").map(Number));
    for (const r of rows) assert.equal(r.length, 5);
    for (let i = 1; i < rows.length; i++) assert.equal(rows[i][0], rows[i - 1][0] + 1, "consecutive seq");
    assert.ok(w.sim.consoleOutput().includes("mqtt: connected"));
  });

  test("each sample's binary frame (16 bytes) decodes to the CSV line's values", async () => {
    const frames = host.seen.all.filter((m) => m.topic === base + "frame");
    assert.ok(frames.length >= 2);
    for (const f of frames) {
      assert.equal(f.payload.length, 16);
      const d = decodeFrame(f.payload.toString("latin1"));
      assert.ok(typeof d !== "string", String(d));
      const csv = samples().find((l) => Number(l.split(",")[0]) === d.sample.seq);
      assert.ok(csv, `the CSV of seq ${d.sample.seq}`);
      assert.equal([d.sample.seq, d.sample.ms, d.sample.a0, d.sample.free, d.sample.led].join(","), csv);
    }
  });

  test("the retained state gives name, version, uptime, free, led", () => {
    const st = JSON.parse(host.seen.last.get(base + "state") ?? "null");
    assert.equal(st.name, "sim-a");
    assert.equal(typeof st.version, "string");
    assert.equal(typeof st.uptime, "number");
    assert.ok(st.free > 0);
    assert.ok(st.led === 0 || st.led === 1);
  });

  test("ON, OFF and TOGGLE on led/set at QoS 1 set the LED, and the device answers on led (retained)", async () => {
    const set = async (v: string, want: string, lit: boolean) => {
      const before = host.seen.all.length;
      await host.c.publishAsync(base + "led/set", v, { qos: 1 });
      await until(`led ${want}`, () => host.seen.all.slice(before).some((m) => m.topic === base + "led" && m.payload.toString() === want));
      assert.equal(w.sim.led().on, lit);
    };
    await set("ON", "ON", true);
    await set("TOGGLE", "OFF", false);
    await set("TOGGLE", "ON", true);
    await set("OFF", "OFF", false);
    // Anything else is ignored: the LED stays off.
    await host.c.publishAsync(base + "led/set", "blink", { qos: 1 });
    await wait(300);
    assert.equal(w.sim.led().on, false);
  });

  test("the LED set over HTTP is published on led too", async () => {
    const r = await fetch(`${w.base}/api/led`, { method: "POST", body: "on" });
    assert.equal(r.status, 200);
    await until("led ON", () => host.seen.last.get(base + "led") === "ON", 3000);
    await fetch(`${w.base}/api/led`, { method: "POST", body: "off" });
    await until("led OFF", () => host.seen.last.get(base + "led") === "OFF", 3000);
  });

  test("Home Assistant discovery: a retained config for a0, free, uptime, rssi and the LED switch", async () => {
    await until("5 configs", () => [...host.seen.last.keys()].filter((t) => t.startsWith("homeassistant/")).length >= 5, 10000);
    const want = ["sensor/sim-a/a0", "sensor/sim-a/free", "sensor/sim-a/uptime", "sensor/sim-a/rssi", "switch/sim-a/led"];
    // Home Assistant started later still finds them: the broker kept them (retained).
    const late = await watch(broker.url, ["homeassistant/#"]);
    try {
      await until("5 retained configs", () => late.seen.all.length >= 5, 3000);
    } finally {
      late.c.end(true);
    }
    for (const k of want) {
      const msg = late.seen.all.find((m) => m.topic === `homeassistant/${k}/config`);
      assert.ok(msg, k);
      assert.equal(msg.retain, true);
      const cfg = JSON.parse(msg.payload.toString());
      assert.equal(cfg["~"], base);
      assert.equal(cfg.avty_t, "~status");
      assert.equal(cfg.uniq_id, "sim-a_" + k.split("/")[2]);
      assert.deepEqual(cfg.dev.ids, ["sim-a"]);
    }
    const sw = JSON.parse(host.seen.last.get("homeassistant/switch/sim-a/led/config") ?? "{}");
    assert.equal(sw.cmd_t, "~led/set");
    assert.equal(sw.stat_t, "~led");
  });

  test("after a broker restart the device comes back online, and the samples it could not send leave a gap in seq", async () => {
    const lastBefore = Number(samples().at(-1)?.split(",")[0]);
    await broker.stop();
    await wait(2500);
    await broker.start();
    // The host's client reconnects by itself and subscribes again (clean session).
    await until("host back", () => host.c.connected, 10000);
    await host.c.subscribeAsync(["espfw/#"], { qos: 1 });
    const seenBefore = host.seen.all.length;
    await until("online again", () => host.seen.all.slice(seenBefore).some((m) => m.topic === base + "status" && m.payload.toString() === "online"), 20000);
    await until("a sample after", () => host.seen.all.slice(seenBefore).some((m) => m.topic === base + "sample"), 5000);
    const first = host.seen.all.slice(seenBefore).find((m) => m.topic === base + "sample")!;
    const seq = Number(first.payload.toString().split(",")[0]);
    assert.ok(seq > lastBefore + 1, `a gap: ${lastBefore} then ${seq}`);
    const st = JSON.parse(host.seen.last.get(base + "state") ?? "null");
    assert.ok(st.dropped >= 1, `dropped ${st.dropped}`);
    // The other services went on.
    assert.equal((await fetch(`${w.base}/api/led`)).status, 200);
  });

  test("the device gone without a DISCONNECT: the broker publishes its will, offline (retained)", async () => {
    await w.stop();
    await until("offline", () => host.seen.last.get(base + "status") === "offline", 10000);
    const late = await watch(broker.url, [base + "status"]);
    try {
      await until("retained offline", () => late.seen.last.get(base + "status") === "offline", 3000);
    } finally {
      late.c.end(true);
    }
  });
});

/*
 * A fleet through a Mosquitto bridge (docs/FLEET.md, "A clustered broker"): two Mosquittos on
 * free ports, B bridged to A with the bridge of the doc (`topic espfw/# both 1`, `topic
 * homeassistant/# both 1`), 5 simulated devices connected to A only (simulator/fleet.ts), and
 * everything watched from B: the harness's fleet view and a plain mqtt.js client on B see every
 * device online (its retained `online` crossed the bridge and is retained on B too), its samples
 * with consecutive seq, its state and its Home Assistant discovery configs; a `led/set`
 * published on B lights the device's LED on A and its `led` answer comes back on B; an empty
 * retained message on B removes a discovery config on A as well; and once the devices are gone,
 * their wills (published by A) say `offline` on B.
 *
 * The devices know nothing of B: their Storage file `mqtt` names A. A wrong topic pattern in the
 * bridge (say `espfw/+/status` only, or another prefix) fails the samples, the LED and the rest.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { startFleet, type FleetHandle } from "../../../simulator/fleet.ts";
import { ensureBundle } from "../../../simulator/index.ts";
import { type FleetWatch, watchFleet } from "../../../test-host/commands/fleet.ts";
import { mosquittoPath, startBroker, type Broker } from "../../helpers/mosquitto.ts";

const N = 5;
/** The HA entities of each device (firmware/lazy/mqtt-ha.ts). */
const ENTITIES = ["sensor/a0", "sensor/free", "sensor/uptime", "sensor/rssi", "switch/led"];
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The bridge section of B's mosquitto.conf, as docs/FLEET.md gives it, to the broker at `port`. */
function bridgeConfig(port: number): string[] {
  return ["connection espfw-a", `address 127.0.0.1:${port}`, "topic espfw/# both 1", "topic homeassistant/# both 1"];
}

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await wait(50);
  }
}

interface Msg {
  topic: string;
  text: string;
  retain: boolean;
}

/** A plain mqtt.js client on one broker, recording every message of its filters. */
class Client {
  readonly msgs: Msg[] = [];
  private constructor(readonly c: MqttClient) {}
  static async open(url: string, filters: string[]): Promise<Client> {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000 });
    const w = new Client(c);
    c.on("message", (topic, payload, packet) => w.msgs.push({ topic, text: payload.toString("latin1"), retain: packet.retain }));
    await c.subscribeAsync(Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }])));
    return w;
  }
  on(topic: string): Msg[] {
    return this.msgs.filter((m) => m.topic === topic);
  }
  last(topic: string): string | undefined {
    return this.on(topic).at(-1)?.text;
  }
  seqs(name: string): number[] {
    return this.on(`espfw/${name}/sample`).map((m) => Number(m.text.split(",")[0]));
  }
  close(): void {
    this.c.end(true);
  }
}

/** What a client subscribing now receives retained under `filter` within `ms` (a new session each time). */
async function retained(url: string, filter: string, ms = 1000): Promise<Msg[]> {
  const c = await Client.open(url, [filter]);
  await wait(ms);
  c.close();
  return c.msgs.filter((m) => m.retain);
}

const skip = mosquittoPath() === null ? "mosquitto is not installed (scripts/install-system-deps.sh)" : false;

describe(`a fleet of ${N} simulated devices on Mosquitto A, watched and driven through Mosquitto B bridged to A`, { skip }, () => {
  let a: Broker;
  let b: Broker;
  let fleet: FleetHandle | undefined;
  let view: FleetWatch | undefined;
  let onB: Client | undefined;
  let dir: string;
  const names = (): string[] => fleet!.devices.map((d) => d.name);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "fleet-bridge-"));
    const bundle = ensureBundle("sim").file;
    a = await startBroker();
    b = await startBroker(undefined, { extra: bridgeConfig(a.port) });
    // The bridge is up once B says so (Mosquitto's bridge notification, retained on B).
    const notes = await Client.open(b.url, ["$SYS/broker/connection/+/state"]);
    try {
      await until("the bridge from B to A", () => notes.msgs.some((m) => m.text === "1"), 15000);
    } finally {
      notes.close();
    }
    onB = await Client.open(b.url, ["espfw/#", "homeassistant/#"]);
    view = await watchFleet({ mqtt: b.url });
    fleet = await startFleet({ n: N, mqtt: a.url, stateRoot: join(dir, "fleet"), sim: { bundle } });
  });
  after(async () => {
    await fleet?.stop();
    onB?.close();
    await view?.stop();
    await b?.dispose();
    await a?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the devices are configured for A only", () => {
    for (const d of fleet!.devices) {
      const file = join(d.stateDir, "storage", Buffer.from("mqtt", "latin1").toString("hex") + ".bin");
      assert.deepEqual(JSON.parse(readFileSync(file, "latin1")), { host: "127.0.0.1", port: a.port, prefix: "espfw", name: d.name });
    }
  });

  test(`on B, all ${N} are online and their samples arrive with consecutive seq`, async () => {
    await until(`all ${N} online on B`, () => names().every((n) => onB!.last(`espfw/${n}/status`) === "online"), 20000);
    await until("3 samples from each on B", () => names().every((n) => onB!.seqs(n).length >= 3), 15000);
    for (const n of names()) {
      const s = onB!.seqs(n);
      assert.ok(s.every((x, i) => i === 0 || x === s[i - 1] + 1), `${n}: seq on B ${s.join(",")}`);
      // The binary frame crossed too, byte for byte (16 bytes, magic 0xA5).
      const f = onB!.on(`espfw/${n}/frame`).at(-1);
      assert.ok(f !== undefined && f.text.length === 16 && f.text.charCodeAt(0) === 0xa5, `${n}: a frame on B`);
      const st = JSON.parse(onB!.last(`espfw/${n}/state`) ?? "null") as Record<string, unknown> | null;
      assert.ok(st !== null, `${n}: a state on B`);
      assert.deepEqual(Object.keys(st), ["name", "version", "ip", "rssi", "uptime", "free", "led", "dropped"]);
      assert.equal(st.name, n);
    }
  });

  test(`the harness's fleet view on B lists all ${N} online, sampling, nothing missing`, async () => {
    const fresh = () => view!.summary().devices.filter((d) => d.online && d.lastSampleAgeMs !== null && d.lastSampleAgeMs < 5000).length;
    await until(`the view on B sees all ${N} sampling`, () => fresh() === N, 15000);
    const s = view!.summary();
    assert.deepEqual(s.devices.map((d) => d.name), names());
    assert.equal(s.counts.online, N);
    for (const d of s.devices) {
      assert.equal(d.status, "online", d.name);
      assert.equal(d.missing, 0, `${d.name}: missing seq seen on B`);
      assert.ok(d.samples >= 2, `${d.name}: ${d.samples} samples`);
    }
  });

  test("B holds the retained status, state and discovery configs: a client arriving later gets them", async () => {
    await until(
      `${ENTITIES.length} discovery configs of each device on B`,
      () => names().every((n) => ENTITIES.every((e) => onB!.on(`homeassistant/${e.replace("/", `/${n}/`)}/config`).length > 0)),
      15000,
    );
    const got = await retained(b.url, "#");
    const topics = new Set(got.map((m) => m.topic));
    for (const n of names()) {
      for (const t of ["status", "state", "led"]) assert.ok(topics.has(`espfw/${n}/${t}`), `${n}: a retained ${t} on B`);
      assert.equal(got.find((m) => m.topic === `espfw/${n}/status`)!.text, "online");
      for (const e of ENTITIES) {
        const cfg = got.find((m) => m.topic === `homeassistant/${e.replace("/", `/${n}/`)}/config`);
        assert.ok(cfg !== undefined, `${n}: a retained ${e} config on B`);
        const o = JSON.parse(cfg.text) as { "~": string; avty_t: string };
        assert.equal(o["~"], `espfw/${n}/`);
        assert.equal(o.avty_t, "~status");
      }
    }
  });

  test("a led/set published on B reaches the device on A, and its answer comes back on B", async () => {
    const d = fleet!.devices[2];
    const c = await mqtt.connectAsync(b.url, { reconnectPeriod: 0 });
    try {
      assert.equal(onB!.last(`espfw/${d.name}/led`), "OFF");
      const before = onB!.on(`espfw/${d.name}/led`).length;
      await c.publishAsync(`espfw/${d.name}/led/set`, "ON", { qos: 1 });
      await until(`${d.name}'s led ON on B`, () => onB!.last(`espfw/${d.name}/led`) === "ON", 10000);
      assert.equal(d.sim.led().on, true, "the device's LED is lit");
      const seqNow = onB!.seqs(d.name).at(-1)!;
      await until(`a sample of ${d.name} with led 1 on B`, () => onB!.on(`espfw/${d.name}/sample`).some((m) => Number(m.text.split(",")[0]) > seqNow && m.text.endsWith(",1")), 5000);
      await c.publishAsync(`espfw/${d.name}/led/set`, "TOGGLE", { qos: 1 });
      await until(`${d.name}'s led OFF on B`, () => onB!.last(`espfw/${d.name}/led`) === "OFF", 10000);
      assert.equal(d.sim.led().on, false, "the device's LED is off again");
      assert.equal(onB!.on(`espfw/${d.name}/led`).length, before + 2, "one answer per command");
      // The others were not touched.
      for (const o of fleet!.devices.filter((x) => x !== d)) assert.equal(o.sim.led().on, false, o.name);
    } finally {
      c.end(true);
    }
  });

  test("an empty retained message on B removes a discovery config on both brokers", async () => {
    const n = names()[0];
    const topic = `homeassistant/sensor/${n}/a0/config`;
    const c = await mqtt.connectAsync(b.url, { reconnectPeriod: 0 });
    try {
      await c.publishAsync(topic, "", { qos: 1, retain: true });
    } finally {
      c.end(true);
    }
    await wait(500);
    const filter = `homeassistant/+/${n}/+/config`;
    for (const [where, url] of [
      ["B", b.url],
      ["A", a.url],
    ]) {
      const left = (await retained(url, filter, 700)).map((m) => m.topic).sort();
      assert.deepEqual(left, ENTITIES.filter((e) => e !== "sensor/a0").map((e) => `homeassistant/${e.replace("/", `/${n}/`)}/config`).sort(), `retained on ${where}`);
    }
  });

  test("once the devices are gone, their wills, published by A, say offline on B", async () => {
    await fleet!.stop();
    await until("offline on B", () => names().every((n) => onB!.last(`espfw/${n}/status`) === "offline"), 15000);
    const got = await retained(b.url, "espfw/+/status");
    assert.deepEqual(got.map((m) => [m.topic, m.text]).sort(), names().map((n) => [`espfw/${n}/status`, "offline"]));
    await until("the view on B sees them offline", () => view!.summary().counts.offline === N, 5000);
  });
});

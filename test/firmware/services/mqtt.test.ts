/*
 * The device's MQTT client (services/mqtt.ts, lazy/mqtt.ts) against a broker the test plays
 * byte by byte, on fake sockets and a fake clock: the configuration and its defaults, what it
 * sends, every bound (a packet over IN_MAX, a malformed length, an unknown type, a PUBLISH
 * flood, no CONNACK, silence, a broker that does not read) and the backoff after each.
 */
import { before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import mqttPacket from "mqtt-packet";
import { mqttConnect, mqttFrame, mqttPuback, mqttPublish, mqttSubscribe } from "../../../lib/mqtt.ts";
import { decodeSampleCsv } from "../../../lib/sample-csv.ts";
import { decodeFrame } from "../../../lib/sample-frame.ts";
// The file provisioning writes is the one the device reads.
import { MQTT_FILE } from "../../../scripts/deploy/mqtt-config.ts";
import { advance, board, device, type FakeConn, firmwareModule, loadDevice, logs, mem, net, pins, resetDevice, storage } from "./fakes.ts";

interface MqttService {
  mqttBoot(): void;
}
interface MqttLazy {
  mqttInfo(): string;
  IN_MAX: number;
  FLOOD_MAX: number;
  HOLD_MAX: number;
  CUT_MAX: number;
  PING_S: number;
  SILENT_S: number;
  CONNACK_S: number;
  BACKOFF_MAX_MS: number;
}

let svc: MqttService;
let lazy: MqttLazy;

before(async () => {
  await loadDevice();
  svc = await firmwareModule<MqttService>("services/mqtt.ts");
  lazy = await firmwareModule<MqttLazy>("lazy/mqtt.ts");
});

beforeEach(resetDevice);

const gen = (p: object): string => mqttPacket.generate(p as mqttPacket.Packet).toString("latin1");
const CONNACK_OK = gen({ cmd: "connack", returnCode: 0, sessionPresent: false });
const BASE = "espfw/dev-1/";

/** Boots MQTT with `cfg` (JSON) in Storage. */
function boot(cfg: object | string = { host: "broker.lan", name: "dev-1" }): void {
  storage.files.set(MQTT_FILE, typeof cfg === "string" ? cfg : JSON.stringify(cfg));
  svc.mqttBoot();
}

/** The packets the device wrote on `c`, split whole. */
function packets(c: FakeConn): string[] {
  const out: string[] = [];
  let b = c.sock.out;
  while (b.length > 0) {
    const n = mqttFrame(b, 1e9);
    assert.ok(n > 0, "the device wrote a whole packet");
    out.push(b.substring(0, n));
    b = b.substring(n);
  }
  return out;
}

/** The PUBLISHes the device wrote on `c`: topic, payload, QoS, retain. */
function published(c: FakeConn): Array<{ topic: string; payload: string; qos: number; retain: boolean }> {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const got: Array<{ topic: string; payload: string; qos: number; retain: boolean }> = [];
  parser.on("packet", (p: mqttPacket.Packet) => {
    if (p.cmd === "publish") got.push({ topic: p.topic, payload: Buffer.from(p.payload).toString("latin1"), qos: p.qos, retain: p.retain });
  });
  parser.parse(Buffer.from(c.sock.out, "latin1"));
  return got;
}

/** Boots, opens the connection and accepts it: the device is online. */
function online(cfg?: object): FakeConn {
  boot(cfg);
  const c = net.last();
  c.open();
  c.sock.send(CONNACK_OK);
  return c;
}

/** The "retry in N ms" the device logged last. */
function lastRetry(): number {
  const l = logs.filter((x) => x.startsWith("mqtt: retry in "));
  assert.ok(l.length > 0, "a retry was set");
  return Number(l[l.length - 1].split(" ")[3]);
}

test("no file mqtt: nothing is loaded, no socket taken, no connection", () => {
  svc.mqttBoot();
  assert.equal(net.conns.length, 0);
  assert.equal(device.dev.out_, 0);
  assert.deepEqual(logs, []);
});

test("a bad configuration: MQTT is off, saying why, and holds no socket", () => {
  for (const [cfg, why] of [
    ["{not json", "is not JSON"],
    [{ name: "x" }, "bad host"],
    [{ host: "h", port: 70000 }, "bad port"],
    [{ host: "h", period: 0 }, "bad period"],
    [{ host: "h", prefix: "a/b" }, "bad prefix"],
    [{ host: "h", name: "#" }, "bad prefix"],
    [{ host: "h", pass: "secret-pw" }, "bad password"],
  ] as Array<[object | string, string]>) {
    logs.length = 0;
    boot(cfg);
    assert.equal(net.conns.length, 0, JSON.stringify(cfg));
    assert.equal(device.dev.out_, 0);
    assert.ok(logs.some((l) => l.startsWith("mqtt: off, ") && l.includes(why)), `${JSON.stringify(cfg)}: ${logs.join("|")}`);
    assert.ok(!logs.join("\n").includes("secret-pw"), "the password is never logged");
  }
});

test("configured: one socket of the budget is held, and CONNECT carries the client id, keep-alive, will and credentials (defaults: port 1883, prefix espfw)", () => {
  boot({ host: "broker.lan", name: "dev-1", user: "u", pass: "secret-pw" });
  assert.equal(device.dev.out_, 1);
  const c = net.last();
  assert.equal(c.host, "broker.lan");
  assert.equal(c.port, 1883);
  assert.equal(c.sock.out, "", "nothing before the connection is up");
  c.open();
  assert.equal(c.sock.out, mqttConnect("dev-1", { keepAlive: 60, willTopic: BASE + "status", willPayload: "offline", user: "u", pass: "secret-pw" }));
  assert.ok(!logs.join("\n").includes("secret-pw"), "the password is never logged");
});

test("the device name is the board's when the configuration gives none", () => {
  boot({ host: "h" });
  net.last().open();
  assert.ok(net.last().sock.out.includes(board.deviceName + "/status"));
});

test("CONNACK: online (retained, QoS 1), the subscription to led/set at QoS 1, the LED's state and the state", () => {
  const c = online();
  const p = published(c);
  assert.deepEqual(p[0], { topic: BASE + "status", payload: "online", qos: 1, retain: true });
  assert.ok(packets(c).includes(mqttSubscribe(2, BASE + "led/set", 1)));
  assert.deepEqual(p[1], { topic: BASE + "led", payload: "OFF", qos: 1, retain: true });
  assert.equal(p[2].topic, BASE + "state");
  const st = JSON.parse(p[2].payload);
  assert.equal(st.name, "dev-1");
  assert.equal(st.dropped, 0);
  assert.equal(p[2].retain, true);
  assert.match(lazy.mqttInfo(), /^up /);
});

test("a sample a second: the CSV line and the 16-byte frame at QoS 0, seq from 1", () => {
  const c = online({ host: "h", name: "dev-1", ha: "" });
  c.sock.drain();
  for (let i = 0; i < 3; i++) {
    advance(1000);
    c.sock.drain();
  }
  const s = published(c).filter((m) => m.topic === BASE + "sample");
  assert.deepEqual(
    s.map((m) => m.payload.split(",")[0]),
    ["1", "2", "3"],
  );
  const f = published(c).filter((m) => m.topic === BASE + "frame");
  assert.equal(f.length, 3);
  for (const m of [...s, ...f]) assert.equal(m.qos, 0);
  // Each CSV line is the line protocol's sample line, and its frame carries the same sample.
  for (let i = 0; i < 3; i++) {
    const csv = decodeSampleCsv(s[i].payload);
    assert.ok(csv !== null, s[i].payload);
    const frame = decodeFrame(f[i].payload);
    assert.ok(typeof frame !== "string", frame as string);
    assert.deepEqual(frame.sample, csv);
  }
});

test("period 5: a sample every 5 s", () => {
  const c = online({ host: "h", name: "dev-1", period: 5, ha: "" });
  for (let i = 0; i < 10; i++) {
    advance(1000);
    c.sock.drain();
  }
  assert.equal(published(c).filter((m) => m.topic === BASE + "sample").length, 2);
});

test("led/set ON at QoS 1: PUBACK, the LED on, led ON retained at QoS 1; TOGGLE and OFF; anything else ignored", () => {
  const c = online({ host: "h", name: "dev-1", ha: "" });
  c.sock.send(mqttPublish(BASE + "led/set", "ON", false, 77));
  assert.equal(device.dev.led_, 1);
  assert.ok(packets(c).includes(mqttPuback(77)));
  assert.deepEqual(published(c).at(-1), { topic: BASE + "led", payload: "ON", qos: 1, retain: true });
  c.sock.send(mqttPublish(BASE + "led/set", "TOGGLE", false, 0));
  assert.equal(device.dev.led_, 0);
  c.sock.send(mqttPublish(BASE + "led/set", "OFF", false, 0));
  c.sock.send(mqttPublish(BASE + "led/set", "blink", false, 0));
  c.sock.send(mqttPublish("other/topic", "ON", false, 0));
  assert.equal(device.dev.led_, 0);
  assert.deepEqual(
    published(c)
      .filter((m) => m.topic === BASE + "led")
      .map((m) => m.payload),
    ["OFF", "ON", "OFF"],
  );
  assert.ok(pins.writes.length > 0);
});

test("a command split across reads, and two packets in one read, are each taken whole", () => {
  const c = online({ host: "h", name: "dev-1", ha: "" });
  const p = mqttPublish(BASE + "led/set", "ON", false, 5);
  for (const ch of p) c.sock.send(ch);
  assert.equal(device.dev.led_, 1);
  c.sock.send(mqttPublish(BASE + "led/set", "OFF", false, 6) + mqttPublish(BASE + "led/set", "ON", false, 7));
  assert.equal(device.dev.led_, 1);
  assert.ok(packets(c).includes(mqttPuback(6)) && packets(c).includes(mqttPuback(7)));
});

test("Home Assistant discovery: five retained configs, one a tick once the last has gone, then the module is dropped with a collection", () => {
  const c = online();
  c.sock.drain();
  const before = mem.collections;
  for (let i = 0; i < 7; i++) {
    advance(1000);
    c.sock.drain();
  }
  const ha = published(c).filter((m) => m.topic.startsWith("homeassistant/"));
  assert.deepEqual(
    ha.map((m) => m.topic),
    ["sensor/dev-1/a0", "sensor/dev-1/free", "sensor/dev-1/uptime", "sensor/dev-1/rssi", "switch/dev-1/led"].map((t) => `homeassistant/${t}/config`),
  );
  for (const m of ha) {
    assert.equal(m.retain, true);
    assert.equal(JSON.parse(m.payload)["~"], BASE);
  }
  assert.ok(mem.collections > before);
});

/** Checks that the device cut the connection (clsNow) saying `why`, and that its close sets a retry. */
function assertCut(c: FakeConn, why: string): void {
  assert.equal(c.sock.clsNow, true, `cut: ${why}`);
  assert.ok(logs.some((l) => l.includes(why)), `${why}: ${logs.join("|")}`);
  c.sock.close();
  assert.match(lazy.mqttInfo(), /^down /);
  const n = net.conns.length;
  advance(lastRetry());
  assert.equal(net.conns.length, n + 1, "it connects again after the backoff");
}

test("a packet over IN_MAX bytes is refused from its length bytes alone: the connection is cut", () => {
  const c = online();
  const big = mqttPublish(BASE + "led/set", "x".repeat(lazy.IN_MAX), false, 0);
  c.sock.send(big.substring(0, 3));
  assertCut(c, "packet over " + lazy.IN_MAX + " bytes");
});

test("a remaining length of five bytes is malformed: cut", () => {
  const c = online();
  c.sock.send("\x30\x80\x80\x80\x80\x01");
  assertCut(c, "malformed packet length");
});

test("an unknown packet type, a second CONNACK, a PUBLISH whose topic runs past its end: cut", () => {
  let c = online();
  c.sock.send("\xf0\x00");
  assertCut(c, "unexpected packet type 15");
  c = net.last();
  c.open();
  c.sock.send(CONNACK_OK);
  c.sock.send(CONNACK_OK);
  assertCut(c, "unexpected CONNACK");
  c = net.last();
  c.open();
  c.sock.send(CONNACK_OK);
  c.sock.send("\x30\x03\x00\x09a");
  assertCut(c, "malformed PUBLISH");
});

test("a PUBLISH before CONNACK: cut", () => {
  boot();
  const c = net.last();
  c.open();
  c.sock.send(mqttPublish(BASE + "led/set", "ON", false, 0));
  assert.equal(device.dev.led_, 0);
  assertCut(c, "PUBLISH before CONNACK");
});

test("more than FLOOD_MAX PUBLISHes in a second: cut; FLOOD_MAX in each second is taken", () => {
  const c = online({ host: "h", name: "dev-1", ha: "" });
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < lazy.FLOOD_MAX; i++) c.sock.send(mqttPublish("espfw/other", "x", false, 0));
    advance(1000);
    c.sock.drain();
  }
  assert.notEqual(c.sock.clsNow, true);
  for (let i = 0; i <= lazy.FLOOD_MAX; i++) c.sock.send(mqttPublish("espfw/other", "x", false, 0));
  assertCut(c, "over " + lazy.FLOOD_MAX + " PUBLISHes a second");
});

test("a refused CONNACK (bad credentials): cut, and tried again after the backoff", () => {
  boot();
  const c = net.last();
  c.open();
  c.sock.send(gen({ cmd: "connack", returnCode: 5, sessionPresent: false }));
  assertCut(c, "refused by the broker (CONNACK 5)");
});

test("no CONNACK within CONNACK_S: cut", () => {
  boot();
  const c = net.last();
  c.open();
  advance(lazy.CONNACK_S * 1000);
  assert.notEqual(c.sock.clsNow, true);
  advance(1000);
  assertCut(c, "no CONNACK in " + lazy.CONNACK_S + " s");
});

test("a PINGREQ every PING_S; a broker silent for SILENT_S is cut, one that answers is kept", () => {
  const c = online({ host: "h", name: "dev-1", ha: "" });
  c.sock.drain();
  advance(lazy.PING_S * 1000);
  c.sock.drain();
  assert.ok(packets(c).includes("\xc0\x00"), "PINGREQ");
  c.sock.send("\xd0\x00");
  advance((lazy.SILENT_S - 1) * 1000);
  assert.notEqual(c.sock.clsNow, true, "PINGRESP counted as life");
  advance(1000);
  c.sock.drain();
  assertCut(c, "the broker is silent");
});

test("a broker that does not read: samples are dropped and counted past HOLD_MAX unsent bytes, and the connection is cut past CUT_MAX", () => {
  const c = online({ host: "h", name: "dev-1", ha: "" });
  c.sock.dSnd = "q".repeat(lazy.HOLD_MAX + 1);
  const before = published(c).length;
  advance(1000);
  assert.equal(published(c).length, before, "no sample sent");
  assert.match(lazy.mqttInfo(), /seq=1 dropped=1/);
  c.sock.dSnd = "q".repeat(lazy.CUT_MAX + 1);
  advance(1000);
  assertCut(c, "the broker does not read");
});

test("while the broker is away the seq goes on: the samples not sent leave their gap and are counted in the state", () => {
  const c = online({ host: "h", name: "dev-1", ha: "" });
  advance(1000);
  c.sock.close();
  advance(3000);
  assert.match(lazy.mqttInfo(), /seq=4 dropped=3/);
  const n = net.last();
  if (n !== c) {
    n.open();
    n.sock.send(CONNACK_OK);
  }
  const st = published(net.last()).find((m) => m.topic === BASE + "state");
  assert.ok(st);
  assert.equal(JSON.parse(st.payload).dropped, 3);
  advance(1000);
  const s = published(net.last()).filter((m) => m.topic === BASE + "sample");
  assert.equal(s[0].payload.split(",")[0], "5");
});

test("the backoff: 1 s doubling to 60 s, each wait between half and one and a half times it; back to 1 s once connected", () => {
  boot();
  let nominal = 1000;
  for (let i = 0; i < 9; i++) {
    const c = net.last();
    c.sock.close();
    const w = lastRetry();
    assert.ok(w >= nominal * 0.5 && w <= nominal * 1.5, `retry ${i}: ${w} for ${nominal}`);
    advance(w);
    nominal = Math.min(nominal * 2, lazy.BACKOFF_MAX_MS);
  }
  const c = net.last();
  c.open();
  c.sock.send(CONNACK_OK);
  c.sock.close();
  const w = lastRetry();
  assert.ok(w >= 500 && w <= 1500, `after a connection: ${w}`);
});

test("no socket to be had: it tries again later", () => {
  storage.files.set(MQTT_FILE, JSON.stringify({ host: "h" }));
  net.throwNext = true;
  svc.mqttBoot();
  assert.equal(net.conns.length, 0);
  advance(lastRetry());
  assert.equal(net.conns.length, 1);
});

test("a close of an old connection after a new one is made does not touch the new one", () => {
  const c = online();
  c.sock.close();
  advance(lastRetry());
  const n = net.last();
  n.open();
  n.sock.send(CONNACK_OK);
  const retries = logs.filter((l) => l.startsWith("mqtt: retry")).length;
  c.sock.emit("close", false);
  assert.equal(logs.filter((l) => l.startsWith("mqtt: retry")).length, retries);
  assert.match(lazy.mqttInfo(), /^up /);
});

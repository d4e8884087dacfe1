/*
 * The device's MQTT 3.1.1 packets held to mqtt-packet, the packet library of mqtt.js: each
 * encoder's bytes equal what mqtt-packet generates for the same packet, and the framer and
 * decoders read what mqtt-packet generates, in whole and in pieces, and refuse what is malformed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import mqttPacket from "mqtt-packet";
import {
  FRAME_MALFORMED,
  FRAME_TOO_BIG,
  MQTT_DISCONNECT,
  MQTT_PINGREQ,
  mqttBodyAt,
  mqttConnect,
  mqttFrame,
  mqttPuback,
  mqttPublish,
  mqttReceived,
  mqttSubscribe,
} from "../../lib/mqtt.ts";

/** mqtt-packet's bytes as a byte string. */
const gen = (p: object): string => mqttPacket.generate(p as mqttPacket.Packet).toString("latin1");

test("CONNECT: clean session, keep-alive, client id, a retained QoS 1 will, user and password, as mqtt-packet makes it", () => {
  const ours = mqttConnect("dev-1", { keepAlive: 30, willTopic: "espfw/dev-1/status", willPayload: "offline", user: "u", pass: "p\u00e9" });
  const theirs = gen({
    cmd: "connect",
    protocolId: "MQTT",
    protocolVersion: 4,
    clean: true,
    clientId: "dev-1",
    keepalive: 30,
    will: { topic: "espfw/dev-1/status", payload: Buffer.from("offline"), qos: 1, retain: true },
    username: "u",
    password: Buffer.from("p\u00e9", "latin1"),
  });
  assert.equal(ours, theirs);
});

test("CONNECT without will or user", () => {
  assert.equal(mqttConnect("x", { keepAlive: 0 }), gen({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clean: true, clientId: "x", keepalive: 0 }));
});

test("PUBLISH at QoS 0 and QoS 1, retained or not, with binary payloads", () => {
  const frame = "\xa5\x01\x00\x00\xff\xfe\x80";
  assert.equal(mqttPublish("a/b", "1,2,3", false, 0), gen({ cmd: "publish", topic: "a/b", payload: Buffer.from("1,2,3"), qos: 0, retain: false, dup: false }));
  assert.equal(
    mqttPublish("a/frame", frame, false, 0),
    gen({ cmd: "publish", topic: "a/frame", payload: Buffer.from(frame, "latin1"), qos: 0, retain: false, dup: false }),
  );
  assert.equal(mqttPublish("a/led", "ON", true, 513), gen({ cmd: "publish", topic: "a/led", payload: Buffer.from("ON"), qos: 1, retain: true, dup: false, messageId: 513 }));
});

test("a remaining length of 2, 3 and 4 bytes", () => {
  for (const n of [127, 128, 16383, 16384, 200000]) {
    const payload = "z".repeat(n);
    assert.equal(mqttPublish("t", payload, false, 0), gen({ cmd: "publish", topic: "t", payload: Buffer.from(payload), qos: 0, retain: false, dup: false }), `payload ${n}`);
  }
});

test("SUBSCRIBE, PUBACK, PINGREQ, DISCONNECT", () => {
  assert.equal(mqttSubscribe(7, "espfw/dev-1/led/set", 1), gen({ cmd: "subscribe", messageId: 7, subscriptions: [{ topic: "espfw/dev-1/led/set", qos: 1 }] }));
  assert.equal(mqttPuback(65535), gen({ cmd: "puback", messageId: 65535 }));
  assert.equal(MQTT_PINGREQ, gen({ cmd: "pingreq" }));
  assert.equal(MQTT_DISCONNECT, gen({ cmd: "disconnect" }));
});

test("the framer measures whole packets, says 0 for any incomplete prefix, and reads several in a row", () => {
  const connack = gen({ cmd: "connack", returnCode: 0, sessionPresent: false });
  const pub = gen({ cmd: "publish", topic: "espfw/d/led/set", payload: Buffer.from("TOGGLE"), qos: 1, messageId: 9, retain: false, dup: false });
  const big = gen({ cmd: "publish", topic: "t", payload: Buffer.alloc(300, 0x41), qos: 0, retain: false, dup: false });
  for (const p of [connack, pub, big, gen({ cmd: "pingresp" }), gen({ cmd: "suback", messageId: 1, granted: [1] })]) {
    assert.equal(mqttFrame(p, 1000), p.length);
    for (let i = 0; i < p.length; i++) assert.equal(mqttFrame(p.substring(0, i), 1000), 0, `prefix ${i}`);
  }
  const both = connack + pub;
  const n = mqttFrame(both, 1000);
  assert.equal(both.substring(0, n), connack);
  assert.equal(mqttFrame(both.substring(n), 1000), pub.length);
});

test("the framer refuses a packet over the limit from its length alone, and a fifth length byte", () => {
  const big = gen({ cmd: "publish", topic: "t", payload: Buffer.alloc(300, 0x41), qos: 0, retain: false, dup: false });
  assert.equal(mqttFrame(big.substring(0, 3), 256), FRAME_TOO_BIG);
  assert.equal(mqttFrame(big, big.length), big.length);
  assert.equal(mqttFrame(big, big.length - 1), FRAME_TOO_BIG);
  // 268,435,455 (four bytes of 0x7f): refused before anything else arrives.
  assert.equal(mqttFrame("\x30\xff\xff\xff\x7f", 256), FRAME_TOO_BIG);
  assert.equal(mqttFrame("\x30\x80\x80\x80\x80\x01", 1e12), FRAME_MALFORMED);
});

test("a received PUBLISH gives topic, payload, QoS and id; one whose topic runs past its end, or QoS 3, gives null", () => {
  const pub = gen({ cmd: "publish", topic: "espfw/d/led/set", payload: Buffer.from("ON"), qos: 1, messageId: 300, retain: false, dup: false });
  assert.deepEqual(mqttReceived(pub), { topic: "espfw/d/led/set", payload: "ON", qos: 1, id: 300 });
  const q0 = gen({ cmd: "publish", topic: "a", payload: Buffer.from("\x00\xff", "latin1"), qos: 0, retain: true, dup: false });
  assert.deepEqual(mqttReceived(q0), { topic: "a", payload: "\x00\xff", qos: 0, id: 0 });
  assert.equal(mqttBodyAt(q0), 2);
  assert.equal(mqttReceived("\x30\x03\x00\x09a"), null);
  assert.equal(mqttReceived("\x30\x01\x00"), null);
  assert.equal(mqttReceived("\x36\x05\x00\x01a\x00\x01"), null);
});

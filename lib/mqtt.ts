/*
 * MQTT 3.1.1 packets as byte strings (what Espruino's sockets send and receive), for the device's
 * MQTT client (firmware/lazy/mqtt.ts): the encoders of the packets a client sends, and a framer
 * and decoders for the packets a broker sends it. Topics, client id, user and password are byte
 * strings of at most 65535 bytes (the caller's contract); a payload is any byte string.
 *
 * Plain functions over strings, no classes or typed arrays: each call on Espruino lexes only its
 * own few lines (docs/MEMORY.md). The host tests hold every encoder to mqtt-packet's output.
 */

/** Packet types, the high nibble of the first byte. */
export const CONNECT = 0x10;
export const CONNACK = 0x20;
export const PUBLISH = 0x30;
export const PUBACK = 0x40;
export const SUBSCRIBE = 0x80;
export const SUBACK = 0x90;
export const PINGREQ = 0xc0;
export const PINGRESP = 0xd0;
export const DISCONNECT = 0xe0;

/** mqttFrame()'s answers besides a length: the remaining length is malformed (a fifth byte), or over the caller's limit. */
export const FRAME_MALFORMED = -1;
export const FRAME_TOO_BIG = -2;

/** A 16-bit big-endian number. */
function u16(n: number): string {
  return String.fromCharCode((n >> 8) & 255, n & 255);
}

/** A length-prefixed string field. */
export function mqttString(s: string): string {
  return u16(s.length) + s;
}

/** A packet: its first byte, the remaining length (1 to 4 bytes of 7 bits), then `body`. */
export function mqttPacket(first: number, body: string): string {
  let n = body.length;
  let len = "";
  do {
    let b = n & 127;
    n = n >> 7;
    if (n > 0) b = b | 128;
    len += String.fromCharCode(b);
  } while (n > 0);
  return String.fromCharCode(first) + len + body;
}

/** What a CONNECT carries besides the client id. */
export interface ConnectOptions {
  /** Seconds; 0 turns keep-alive off. */
  keepAlive: number;
  /** The last will, published by the broker when the client goes without DISCONNECT: QoS 1, retained. */
  willTopic?: string;
  willPayload?: string;
  user?: string;
  pass?: string;
}

/** CONNECT with a clean session. */
export function mqttConnect(clientId: string, o: ConnectOptions): string {
  let flags = 2;
  let tail = "";
  if (o.willTopic !== undefined) {
    // Will, will QoS 1, will retain.
    flags |= 4 | 8 | 32;
    tail += mqttString(o.willTopic) + mqttString(o.willPayload || "");
  }
  if (o.user !== undefined) {
    flags |= 128;
    tail += mqttString(o.user);
    if (o.pass !== undefined) {
      flags |= 64;
      tail += mqttString(o.pass);
    }
  }
  return mqttPacket(CONNECT, "\x00\x04MQTT\x04" + String.fromCharCode(flags) + u16(o.keepAlive) + mqttString(clientId) + tail);
}

/** PUBLISH at QoS 0 (`id` 0) or QoS 1 (`id` 1..65535). */
export function mqttPublish(topic: string, payload: string, retain: boolean, id: number): string {
  return mqttPacket(PUBLISH | (id > 0 ? 2 : 0) | (retain ? 1 : 0), mqttString(topic) + (id > 0 ? u16(id) : "") + payload);
}

/** SUBSCRIBE to one topic filter at `qos`. */
export function mqttSubscribe(id: number, filter: string, qos: number): string {
  return mqttPacket(SUBSCRIBE | 2, u16(id) + mqttString(filter) + String.fromCharCode(qos));
}

/** PUBACK of the QoS 1 PUBLISH numbered `id`. */
export function mqttPuback(id: number): string {
  return mqttPacket(PUBACK, u16(id));
}

export const MQTT_PINGREQ = "\xc0\x00";
export const MQTT_DISCONNECT = "\xe0\x00";

/**
 * The length of the whole packet at the start of `buf`; 0 while it is incomplete;
 * FRAME_MALFORMED when its remaining length runs past four bytes, FRAME_TOO_BIG when the packet
 * would be longer than `max` bytes (known from its first bytes: nothing more needs to be held).
 */
export function mqttFrame(buf: string, max: number): number {
  let n = 0;
  let mul = 1;
  for (let i = 1; i < 5; i++) {
    if (i >= buf.length) return 0;
    const b = buf.charCodeAt(i);
    n += (b & 127) * mul;
    if (n + i + 1 > max) return FRAME_TOO_BIG;
    if ((b & 128) === 0) return buf.length >= n + i + 1 ? n + i + 1 : 0;
    mul *= 128;
  }
  return FRAME_MALFORMED;
}

/** Where the body of packet `p` (whole, as mqttFrame measured it) starts. */
export function mqttBodyAt(p: string): number {
  let i = 1;
  while (p.charCodeAt(i) & 128) i++;
  return i + 1;
}

/** The 16-bit number at `i` of `s`. */
export function mqttU16(s: string, i: number): number {
  return (s.charCodeAt(i) << 8) | s.charCodeAt(i + 1);
}

/** A received PUBLISH: its topic, payload, QoS and packet id (0 at QoS 0). */
export interface Received {
  topic: string;
  payload: string;
  qos: number;
  id: number;
}

/** The PUBLISH packet `p` (whole), or null when its topic runs past its end or its QoS is 3. */
export function mqttReceived(p: string): Received | null {
  const qos = (p.charCodeAt(0) >> 1) & 3;
  let i = mqttBodyAt(p);
  if (qos === 3 || i + 2 > p.length) return null;
  const tl = mqttU16(p, i);
  i += 2;
  if (i + tl + (qos > 0 ? 2 : 0) > p.length) return null;
  const topic = p.substr(i, tl);
  i += tl;
  let id = 0;
  if (qos > 0) {
    id = mqttU16(p, i);
    i += 2;
  }
  return { topic: topic, payload: p.substr(i), qos: qos, id: id };
}

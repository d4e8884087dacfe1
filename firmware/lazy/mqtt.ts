/*
 * Lazy module `lazy:mqtt`: the device's MQTT 3.1.1 client (docs/FLEET.md), loaded at boot only
 * when Storage holds an MQTT configuration (services/mqtt.ts), and then held for the device's
 * life. Without one it is never loaded: the device pays for a Storage read at boot, nothing more.
 *
 * Topics under `<prefix>/<name>/`:
 * - `status`: `online` (retained, QoS 1) once connected; the broker publishes the last will,
 *   `offline` (retained, QoS 1), when the device goes without a DISCONNECT;
 * - `sample`: every sample as the line protocol's CSV line `seq,ms,a0,free,led` (QoS 0), and
 *   `frame`: the same sample as the 16-byte binary frame of the UDP push (QoS 0). seq counts
 *   from 1 at boot and goes on while the broker is away: a sample not sent leaves its gap;
 * - `state`: a retained JSON of the device (name, version, ip, rssi, uptime, free, led, dropped
 *   samples), at each connection and every STATE_EVERY samples;
 * - `led/set`: the device subscribes at QoS 1 and takes `ON`, `OFF`, `TOGGLE`; it answers on
 *   `led` (`ON`/`OFF`, retained, QoS 1), as it does after the LED is set any other way.
 * Home Assistant finds the device through retained discovery messages (lazy:mqtt-ha, loaded
 * for them and dropped once they are sent), one a second after each connection, as each
 * message has gone out.
 *
 * Reconnection: after a refused CONNACK, a broker gone, a Wi-Fi drop or no CONNACK within
 * CONNACK_S, it tries again after a backoff of 1 s doubling to 60 s, each wait drawn between
 * half and one and a half times it (so a fleet does not come back at once). The other services
 * never wait for it: every step is a callback.
 *
 * Bounds: a packet from the broker over IN_MAX bytes, a malformed remaining length, an unknown
 * packet type, more than FLOOD_MAX PUBLISHes in a second, or nothing from it for SILENT_S
 * (PINGREQ every PING_S asks it for something) close the connection outright (Espruino's
 * `clsNow`) and start the backoff. Samples due while more than HOLD_MAX bytes are unsent, or
 * under the low-memory guard, are dropped and counted. Nothing here logs the password.
 */
import { DEVICE_NAME, FIRMWARE_VERSION } from "board-config";
import {
  CONNACK,
  FRAME_MALFORMED,
  MQTT_PINGREQ,
  mqttConnect,
  mqttFrame,
  mqttPuback,
  mqttPublish,
  mqttReceived,
  mqttSubscribe,
  PINGRESP,
  PUBACK,
  PUBLISH,
  SUBACK,
} from "../../lib/mqtt.ts";
import { encodeFrame, FLAG_WIFI_UP } from "../../lib/sample-frame.ts";
import { load as loadHa } from "lazy:mqtt-ha";
import { readA0 } from "../platform/pins.ts";
import type { EspruinoSocket } from "../platform/socket-held.ts";
import { wifiIp, wifiRssi } from "../platform/wifi.ts";
import { dev, lowMemory, setLed, uptimeMs } from "../services/device.ts";
import type { MqttConfig } from "../services/mqtt.ts";

/** Largest packet taken from the broker, in bytes (a command is a few dozen). */
export const IN_MAX = 256;
/** PUBLISHes from the broker in one second past which it is cut off. */
export const FLOOD_MAX = 20;
/** Unsent bytes past which a sample is dropped, and past which the connection is cut. */
export const HOLD_MAX = 600;
export const CUT_MAX = 1500;
/** Keep-alive told to the broker, the PINGREQ period, and the silence that ends a connection, in seconds. */
export const KEEP_ALIVE_S = 60;
export const PING_S = 20;
export const SILENT_S = 50;
/** Seconds to wait for CONNACK. */
export const CONNACK_S = 10;
/** The state message's period, in samples. */
export const STATE_EVERY = 60;
/** Backoff bounds, in ms. */
export const BACKOFF_MIN_MS = 1000;
export const BACKOFF_MAX_MS = 60000;

/** The client's state: one object, its fields shortened by the minifier. */
interface MqttState {
  cfg_: MqttConfig;
  /** `<prefix>/<name>/`. */
  base_: string;
  sock_: EspruinoSocket | null;
  /** 0 down (a retry is set), 1 connecting, 2 connected. */
  up_: number;
  rx_: string;
  /** Seconds since the last packet from the broker, and since the last PINGREQ. */
  quiet_: number;
  ping_: number;
  /** PUBLISHes received this second. */
  pubs_: number;
  /** The sample's seq, the samples dropped, the sample period's countdown in seconds. */
  seq_: number;
  dropped_: number;
  due_: number;
  /** The next packet id, the LED state last published (-1: none this connection). */
  id_: number;
  led_: number;
  /** The next discovery message to send, and lazy:mqtt-ha while it sends them (null: none). */
  ha_: number;
  haCode_: ReturnType<typeof loadHa> | null;
  backoff_: number;
}

let mq: MqttState;

/** Longest topic level (prefix, name) and credential taken, in bytes. */
const FIELD_MAX = 64;

/**
 * The configuration from Storage (provisioning writes it, JSON), checked, with its defaults: port
 * 1883, prefix "espfw", the board's device name, one sample a second, discovery under
 * "homeassistant". Gives what is wrong as a string instead (never the password).
 */
export function mqttConfig(text: string): MqttConfig | string {
  let o: { [k: string]: unknown };
  try {
    o = JSON.parse(text);
  } catch (e) {
    return "the file mqtt is not JSON";
  }
  if (typeof o !== "object" || o === null) return "the configuration is not an object";
  const c: MqttConfig = {
    host: o.host as string,
    port: o.port === undefined ? 1883 : (o.port as number),
    user: o.user as string | undefined,
    pass: o.pass as string | undefined,
    prefix: o.prefix === undefined ? "espfw" : (o.prefix as string),
    name: o.name === undefined ? DEVICE_NAME : (o.name as string),
    period: o.period === undefined ? 1 : (o.period as number),
    ha: o.ha === undefined ? "homeassistant" : (o.ha as string),
  };
  if (typeof c.host !== "string" || c.host === "" || c.host.length > FIELD_MAX) return "bad host";
  if (typeof c.port !== "number" || c.port < 1 || c.port > 65535 || c.port % 1 !== 0) return "bad port";
  if (typeof c.period !== "number" || c.period < 1 || c.period > 3600 || c.period % 1 !== 0) return "bad period";
  const words = [c.prefix, c.name, c.ha];
  for (let i = 0; i < 3; i++) {
    const w = words[i];
    // Topic levels: no wildcard, separator or NUL; the name is the client id too.
    if (typeof w !== "string" || w.length > FIELD_MAX || (w === "" && i < 2) || /[+#\/\x00]/.test(w)) return "bad prefix, name or ha";
  }
  if (c.user !== undefined && (typeof c.user !== "string" || c.user.length > FIELD_MAX)) return "bad user";
  if (c.pass !== undefined && (typeof c.pass !== "string" || c.pass.length > FIELD_MAX || c.user === undefined)) return "bad password (or none with no user)";
  return c;
}

/** Starts the client with configuration `cfg` (from mqttConfig). */
export function mqttStart(cfg: MqttConfig): void {
  mq = {
    cfg_: cfg,
    base_: cfg.prefix + "/" + cfg.name + "/",
    sock_: null,
    up_: 0,
    rx_: "",
    quiet_: 0,
    ping_: 0,
    pubs_: 0,
    seq_: 0,
    dropped_: 0,
    due_: cfg.period,
    id_: 1,
    led_: -1,
    ha_: 0,
    haCode_: null,
    backoff_: BACKOFF_MIN_MS,
  };
  setInterval(mqttTick, 1000);
  mqttConnectNow();
}

/** Opens the connection and sends CONNECT. */
function mqttConnectNow(): void {
  const c = mq.cfg_;
  mq.up_ = 1;
  mq.rx_ = "";
  mq.quiet_ = 0;
  mq.ping_ = 0;
  mq.led_ = -1;
  mq.haCode_ = null;
  print("mqtt: connecting to " + c.host + ":" + c.port);
  try {
    const s: EspruinoSocket = require("net").connect({ host: c.host, port: c.port }, function () {
      s.write(mqttConnect(c.name, { keepAlive: KEEP_ALIVE_S, willTopic: mq.base_ + "status", willPayload: "offline", user: c.user, pass: c.pass }));
    });
    mq.sock_ = s;
    s.on("data", mqttData);
    s.on("close", mqttClose);
  } catch (e) {
    // No socket to be had (Espruino throws): try again later.
    print("mqtt: " + e);
    mqttRetry();
  }
}

/** Waits the backoff, drawn between half and one and a half times it, then connects. */
function mqttRetry(): void {
  mq.up_ = 0;
  mq.sock_ = null;
  const wait = Math.floor(mq.backoff_ * (0.5 + Math.random()));
  mq.backoff_ = Math.min(mq.backoff_ * 2, BACKOFF_MAX_MS);
  print("mqtt: retry in " + wait + " ms");
  setTimeout(mqttConnectNow, wait);
}

function mqttClose(this: EspruinoSocket): void {
  if (mq.sock_ !== this) return;
  print("mqtt: disconnected");
  mqttRetry();
}

/** Closes the connection outright (its close starts the backoff), saying why. */
function mqttCut(why: string): void {
  const s = mq.sock_;
  print("mqtt: " + why);
  if (s !== null) s.clsNow = true;
}

/** Sends `p` when connected. */
function mqttSend(p: string): void {
  const s = mq.sock_;
  if (s !== null && mq.up_ === 2) s.write(p);
}

/** PUBLISH at QoS 1 (`qos1`) or 0. */
function mqttPub(topic: string, payload: string, retain: boolean, qos1: boolean): void {
  let id = 0;
  if (qos1) {
    id = mq.id_;
    mq.id_ = id >= 65535 ? 1 : id + 1;
  }
  mqttSend(mqttPublish(mq.base_ + topic, payload, retain, id));
}

function mqttData(this: EspruinoSocket, d: string): void {
  if (mq.sock_ !== this) return;
  let b = mq.rx_ + d;
  mq.quiet_ = 0;
  for (;;) {
    const n = mqttFrame(b, IN_MAX);
    if (n === 0) break;
    if (n < 0) {
      mq.rx_ = "";
      return mqttCut(n === FRAME_MALFORMED ? "malformed packet length" : "packet over " + IN_MAX + " bytes");
    }
    const p = b.substring(0, n);
    b = b.substring(n);
    if (!mqttPacketIn(p)) {
      mq.rx_ = "";
      return;
    }
  }
  mq.rx_ = b;
}

/** Acts on one packet from the broker; false when it cut the connection. */
function mqttPacketIn(p: string): boolean {
  const t = p.charCodeAt(0) & 0xf0;
  if (t === PUBLISH) {
    if (mq.up_ !== 2) return mqttRefuse("PUBLISH before CONNACK");
    if (++mq.pubs_ > FLOOD_MAX) return mqttRefuse("over " + FLOOD_MAX + " PUBLISHes a second");
    const r = mqttReceived(p);
    if (r === null) return mqttRefuse("malformed PUBLISH");
    if (r.id > 0) mqttSend(mqttPuback(r.id));
    if (r.topic === mq.base_ + "led/set") mqttLedSet(r.payload);
    return true;
  }
  if (t === CONNACK) {
    if (p.length !== 4 || mq.up_ !== 1) return mqttRefuse("unexpected CONNACK");
    const rc = p.charCodeAt(3);
    if (rc !== 0) return mqttRefuse("refused by the broker (CONNACK " + rc + ")");
    mqttOnline();
    return true;
  }
  // PUBACK (of the LED state and status), SUBACK, PINGRESP: nothing to do.
  if (t === PUBACK || t === SUBACK || t === PINGRESP) return true;
  return mqttRefuse("unexpected packet type " + (t >> 4));
}

function mqttRefuse(why: string): boolean {
  mqttCut(why);
  return false;
}

/** CONNACK accepted: online, the subscription, the state; discovery follows one a second. */
function mqttOnline(): void {
  mq.up_ = 2;
  mq.backoff_ = BACKOFF_MIN_MS;
  print("mqtt: connected");
  mqttPub("status", "online", true, true);
  mqttSend(mqttSubscribe(mq.id_, mq.base_ + "led/set", 1));
  mq.id_++;
  mqttLedState();
  mqttState();
  if (mq.cfg_.ha !== "") {
    mq.ha_ = 0;
    mq.haCode_ = loadHa();
  }
}

/** `ON`, `OFF` or `TOGGLE` from led/set; anything else is ignored. */
function mqttLedSet(v: string): void {
  if (v === "ON") setLed(1);
  else if (v === "OFF") setLed(0);
  else if (v === "TOGGLE") setLed(1 - dev.led_);
  else return;
  mqttLedState();
}

/** Publishes the LED's state (retained, QoS 1) when it changed since it was last published. */
function mqttLedState(): void {
  if (mq.led_ === dev.led_) return;
  mq.led_ = dev.led_;
  mqttPub("led", dev.led_ ? "ON" : "OFF", true, true);
}

function mqttState(): void {
  const st = dev.wifi_;
  mqttPub(
    "state",
    '{"name":' + JSON.stringify(mq.cfg_.name) + ',"version":"' + FIRMWARE_VERSION + '","ip":"' + wifiIp(st) + '","rssi":' + wifiRssi(st) +
      ',"uptime":' + uptimeMs() + ',"free":' + dev.free_ + ',"led":' + dev.led_ + ',"dropped":' + mq.dropped_ + "}",
    true,
    false,
  );
}

/** Once a second: the connection's upkeep, then the sample when due. */
function mqttTick(): void {
  try {
    mq.pubs_ = 0;
    if (mq.up_ === 1 && ++mq.quiet_ > CONNACK_S) mqttCut("no CONNACK in " + CONNACK_S + " s");
    else if (mq.up_ === 2) mqttUpkeep(mq.sock_ as EspruinoSocket);
    if (--mq.due_ <= 0) {
      mq.due_ = mq.cfg_.period;
      mqttSample(++mq.seq_);
    }
  } catch (e) {
    print("mqtt: " + e);
  }
}

/** The LED's state, a discovery message once the last one has gone, the keep-alive and the bounds. */
function mqttUpkeep(s: EspruinoSocket): void {
  mqttLedState();
  const ha = mq.haCode_;
  if (ha !== null && !s.dSnd) {
    const p = ha.mqttHa(mq.ha_++, mq.cfg_, mq.base_);
    if (p !== "") mqttSend(p);
    else {
      // Its functions and scope hold each other: only a collection frees them.
      mq.haCode_ = null;
      process.memory();
    }
  }
  if (++mq.quiet_ >= SILENT_S) return mqttCut("the broker is silent");
  if (s.dSnd && s.dSnd.length > CUT_MAX) return mqttCut("the broker does not read");
  if (++mq.ping_ >= PING_S) {
    mq.ping_ = 0;
    mqttSend(MQTT_PINGREQ);
  }
}

/**
 * Publishes sample `seq` (its CSV line and its frame, both QoS 0, in one write), or counts it
 * dropped. The values are read once into one object that both encoders take.
 */
function mqttSample(seq: number): void {
  const s = mq.sock_;
  const low = lowMemory();
  if (mq.up_ !== 2 || s === null || s.clsNow || (s.dSnd && s.dSnd.length > HOLD_MAX) || low) {
    mq.dropped_++;
    return;
  }
  const ms = uptimeMs();
  const smp = { seq: seq, ms: ms, a0: readA0(ms), free: process.memory(false).free, led: dev.led_ };
  // lib/sample-csv.ts's line written out: importing its encoder here would make the minifier
  // keep it as a resident function for /events (5 variables at boot, MQTT on or off).
  const csv = seq + "," + ms + "," + smp.a0 + "," + smp.free + "," + smp.led;
  const b = mq.base_;
  s.write(mqttPublish(b + "sample", csv, false, 0) + mqttPublish(b + "frame", encodeFrame(smp, dev.wifi_ === "up" ? FLAG_WIFI_UP : 0), false, 0));
  if (seq % STATE_EVERY === 0) mqttState();
}

/** The client's figures (STATUS on the line protocol, tests): state, seq, dropped. */
export function mqttInfo(): string {
  return ["down", "connecting", "up"][mq.up_] + " seq=" + mq.seq_ + " dropped=" + mq.dropped_;
}

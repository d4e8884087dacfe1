/*
 * A fleet of simulated devices against one MQTT broker (`npm start -- --fleet 20 --mqtt
 * mqtt://127.0.0.1:1883`, or startFleet() from a test): N simulators in this process, each with
 * its own name (`sim-01`..`sim-20`), its own state folder (`<state>/fleet/<name>`), its own free
 * host ports, and the Storage file `mqtt` (firmware/services/mqtt.ts) naming the broker, the
 * topic prefix and the device, written before it boots. The credentials of the broker's URL go
 * into that file only: nothing here prints or logs them.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { loadBoard } from "../board-configs/index.ts";
import { REPO_ROOT, startSimulator, type SimulatorHandle, type SimulatorOptions } from "./index.ts";
import { FlashStore } from "./storage.ts";
import { DEFAULT_NETWORKS } from "./wifi.ts";

/** Where a broker is, as the device's `mqtt` file takes it. */
export interface MqttBroker {
  host: string;
  port: number;
  user?: string;
  pass?: string;
}

/** The longest host, name, prefix, user or password the device's client takes, in bytes (firmware/lazy/mqtt.ts, FIELD_MAX). */
const FIELD_MAX = 64;

/** The broker's password when the URL gives a user and no password (a command line shows in `ps`). */
export const ENV_MQTT_PASSWORD = "ESPFW_MQTT_PASSWORD";

/**
 * `mqtt://[user[:password]@]host[:port]` (port 1883 by default) as the device's configuration
 * takes it; a user without a password takes the password from ESPFW_MQTT_PASSWORD when set.
 * Throws with a message that never holds the URL or its credentials. The device speaks plain
 * MQTT over TCP: `mqtts://`, `ws://` and the like are refused.
 */
export function parseMqttUrl(text: string, env: Record<string, string | undefined> = {}): MqttBroker {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`--mqtt wants a URL such as mqtt://127.0.0.1:1883, got something else`);
  }
  if (u.protocol !== "mqtt:" && u.protocol !== "tcp:") throw new Error(`--mqtt: the device speaks plain MQTT over TCP (mqtt://host:port), not ${u.protocol}//`);
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new Error("--mqtt: the URL names no host");
  if (Buffer.byteLength(host) > FIELD_MAX) throw new Error(`--mqtt: the host is longer than the device takes (${FIELD_MAX} bytes)`);
  const port = u.port === "" ? 1883 : Number(u.port);
  if ((u.pathname !== "" && u.pathname !== "/") || u.search !== "" || u.hash !== "") throw new Error("--mqtt: a broker URL has no path or query (mqtt://host:port)");
  const b: MqttBroker = { host, port };
  if (u.username !== "") b.user = decodeURIComponent(u.username);
  if (u.password !== "") b.pass = decodeURIComponent(u.password);
  else if (b.user !== undefined && env[ENV_MQTT_PASSWORD]) b.pass = env[ENV_MQTT_PASSWORD];
  if (Buffer.byteLength(b.user ?? "") > FIELD_MAX || Buffer.byteLength(b.pass ?? "") > FIELD_MAX) throw new Error(`--mqtt: a user or password longer than the device takes (${FIELD_MAX} bytes)`);
  return b;
}

/** The broker for people to read: host and port only, never the user or the password. */
export function describeBroker(b: MqttBroker): string {
  const where = `mqtt://${b.host.includes(":") ? `[${b.host}]` : b.host}:${b.port}`;
  return b.user === undefined ? where : `${where} (with the URL's credentials, not shown)`;
}

export interface FleetOptions {
  /** How many devices (1..FLEET_MAX). */
  n: number;
  /** The broker: a URL (`mqtt://[user[:pass]@]host[:port]`) or its parts. */
  mqtt: string | MqttBroker;
  /** Devices are named `<namePrefix>-01`.. (default "sim"); the width grows with n (`sim-001` past 99). */
  namePrefix?: string;
  /** The topic prefix (the `mqtt` file's `prefix`, default "espfw"). */
  prefix?: string;
  /** Seconds between samples (the `mqtt` file's `period`, default the device's, 1). */
  period?: number;
  /** Home Assistant's discovery prefix (default the device's, "homeassistant"; "" turns it off). */
  ha?: string;
  /** The folder holding one state folder per device, `<stateRoot>/<name>` (default .sim-state/fleet). */
  stateRoot?: string;
  /** Erase each device's Storage first (its program, its saved files), as `npm start -- --fresh`. */
  fresh?: boolean;
  /** Seed of the first device; device i gets seed + i, so that their signals differ (default 1). */
  seed?: number;
  /** What every simulator gets besides (bundle, board, manifests, faults...); ports are always ephemeral. */
  sim?: Omit<SimulatorOptions, "stateDir" | "ports" | "portOffset" | "controlPort" | "seed" | "onConsole" | "onLog">;
  /** Each device's console output, with its name. */
  onConsole?: (name: string, text: string) => void;
  onLog?: (name: string, line: string) => void;
}

export interface FleetDevice {
  name: string;
  stateDir: string;
  sim: SimulatorHandle;
}

export interface FleetHandle {
  devices: FleetDevice[];
  broker: MqttBroker;
  prefix: string;
  /** Stops every device (each broker connection then ends without a DISCONNECT: the broker publishes its will). */
  stop(): Promise<void>;
}

export const FLEET_MAX = 200;

/** Throws when a name prefix or topic prefix would not make a device name or topic level the device takes. */
export function checkFleetWords(namePrefix: string, prefix: string): void {
  if (!/^[A-Za-z0-9_.-]{1,40}$/.test(namePrefix)) throw new Error(`a fleet's name prefix is 1..40 letters, digits, _ . or -, not ${JSON.stringify(namePrefix)}`);
  if (prefix === "" || Buffer.byteLength(prefix) > FIELD_MAX || /[+#/]/.test(prefix) || prefix.includes("\0")) throw new Error(`a topic prefix is 1..${FIELD_MAX} bytes without /, + or #, not ${JSON.stringify(prefix)}`);
}

/** The names of a fleet of `n`: `sim-01`..`sim-20` (zero-padded to the width of n, at least 2). */
export function fleetNames(n: number, namePrefix = "sim"): string[] {
  const width = Math.max(2, String(n).length);
  return Array.from({ length: n }, (_, i) => `${namePrefix}-${String(i + 1).padStart(width, "0")}`);
}

/** The `mqtt` Storage file of one device (firmware/services/mqtt.ts reads it at boot). */
export function mqttFile(broker: MqttBroker, name: string, o: { prefix?: string; period?: number; ha?: string }): string {
  const cfg: Record<string, unknown> = { host: broker.host, port: broker.port };
  if (broker.user !== undefined) cfg.user = broker.user;
  if (broker.pass !== undefined) cfg.pass = broker.pass;
  cfg.prefix = o.prefix ?? "espfw";
  cfg.name = name;
  if (o.period !== undefined) cfg.period = o.period;
  if (o.ha !== undefined) cfg.ha = o.ha;
  return JSON.stringify(cfg);
}

/** Starts N simulated devices against one broker; on any failure stops those already started. */
export async function startFleet(o: FleetOptions): Promise<FleetHandle> {
  if (!Number.isInteger(o.n) || o.n < 1 || o.n > FLEET_MAX) throw new Error(`a fleet is 1..${FLEET_MAX} devices, not ${o.n}`);
  const broker = typeof o.mqtt === "string" ? parseMqttUrl(o.mqtt) : o.mqtt;
  const prefix = o.prefix ?? "espfw";
  const namePrefix = o.namePrefix ?? "sim";
  checkFleetWords(namePrefix, prefix);
  const board = loadBoard(o.sim?.board ?? "sim");
  const root = o.stateRoot ?? join(REPO_ROOT, ".sim-state", "fleet");
  const devices: FleetDevice[] = [];
  let stopped = false;
  const stopAll = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all(devices.map((d) => d.sim.stop().catch(() => undefined)));
  };
  try {
    for (const [i, name] of fleetNames(o.n, namePrefix).entries()) {
      const stateDir = join(root, name);
      if (o.fresh) {
        rmSync(join(stateDir, "storage"), { recursive: true, force: true });
        rmSync(join(stateDir, "storage-trash.json"), { force: true });
      }
      const store = new FlashStore(stateDir, board.storageBytes);
      // A fresh device joins the simulated network (startSimulator does so only for an empty Storage).
      if (board.wifi && store.read(".wificfg") === undefined) {
        const net = DEFAULT_NETWORKS[0];
        store.write(".wificfg", JSON.stringify({ mode: "sta", ssid: net.ssid, password: net.password }), undefined, undefined);
      }
      // Storage holds bytes: the file's UTF-8, one char a byte (as a deploy writes it).
      const file = Buffer.from(mqttFile(broker, name, { prefix, period: o.period, ha: o.ha }), "utf8").toString("latin1");
      if (store.read("mqtt") !== file && !store.write("mqtt", file, undefined, undefined)) throw new Error(`${name}: Storage is full writing the mqtt file`);
      const sim = await startSimulator({
        ...o.sim,
        board: board.name,
        stateDir,
        ports: "ephemeral",
        seed: (o.seed ?? 1) + i,
        onConsole: o.onConsole ? (t) => o.onConsole!(name, t) : undefined,
        onLog: o.onLog ? (l) => o.onLog!(name, l) : undefined,
      });
      devices.push({ name, stateDir: sim.stateDir, sim });
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  return { devices, broker, prefix, stop: stopAll };
}

/*
 * The device's MQTT configuration as provision writes it: Storage file `mqtt`, JSON, read by the
 * firmware at boot (firmware/services/mqtt.ts, checked by mqttConfig in firmware/lazy/mqtt.ts).
 *
 * The host checks a configuration with the device's own rules before anything is sent, so that
 * a mistake is a usage error here rather than `mqtt: off, bad ...` on the device's console after
 * a restart. The firmware keeps its checker in the lazy module (resident RAM), so the rules are
 * copied here: checkMqttText below is the firmware's mqttConfig line for line, run on the file's
 * bytes as the device reads them (Storage gives bytes, so a length is a count of UTF-8 bytes),
 * and test/scripts/mqtt-config.test.ts holds both to the same cases. Change them together.
 *
 * Nothing here prints or returns the password, except inside the file's text itself.
 */
import { DeployError } from "./errors.ts";

/** The Storage file the device reads (firmware/services/mqtt.ts, mqttBoot). */
export const MQTT_FILE = "mqtt";
/** Longest topic level (prefix, name), host and credential the device takes, in bytes. */
export const MQTT_FIELD_MAX = 64;
export const MQTT_DEFAULT_PORT = 1883;
export const MQTT_DEFAULT_PREFIX = "espfw";
export const MQTT_DEFAULT_HA = "homeassistant";

/** The configuration with its defaults, as the device uses it (firmware/services/mqtt.ts, MqttConfig). */
export interface MqttConfig {
  host: string;
  port: number;
  user?: string;
  pass?: string;
  prefix: string;
  name: string;
  period: number;
  ha: string;
}

/**
 * The firmware's mqttConfig on the host: `text` is the file as the device reads it (a byte
 * string), `deviceName` the board's device name (the default name). Gives the configuration
 * with its defaults, or what is wrong, in the device's words (never the password).
 */
export function checkMqttText(text: string, deviceName: string): MqttConfig | string {
  let o: { [k: string]: unknown };
  try {
    o = JSON.parse(text);
  } catch {
    return "the file " + MQTT_FILE + " is not JSON";
  }
  if (typeof o !== "object" || o === null) return "the configuration is not an object";
  const c: MqttConfig = {
    host: o.host as string,
    port: o.port === undefined ? MQTT_DEFAULT_PORT : (o.port as number),
    user: o.user as string | undefined,
    pass: o.pass as string | undefined,
    prefix: o.prefix === undefined ? MQTT_DEFAULT_PREFIX : (o.prefix as string),
    name: o.name === undefined ? deviceName : (o.name as string),
    period: o.period === undefined ? 1 : (o.period as number),
    ha: o.ha === undefined ? MQTT_DEFAULT_HA : (o.ha as string),
  };
  if (typeof c.host !== "string" || c.host === "" || c.host.length > MQTT_FIELD_MAX) return "bad host";
  if (typeof c.port !== "number" || c.port < 1 || c.port > 65535 || c.port % 1 !== 0) return "bad port";
  if (typeof c.period !== "number" || c.period < 1 || c.period > 3600 || c.period % 1 !== 0) return "bad period";
  const words = [c.prefix, c.name, c.ha];
  for (let i = 0; i < 3; i++) {
    const w = words[i];
    // eslint-disable-next-line no-control-regex -- the device refuses NUL in a topic level
    if (typeof w !== "string" || w.length > MQTT_FIELD_MAX || (w === "" && i < 2) || /[+#\/\x00]/.test(w)) return "bad prefix, name or ha";
  }
  if (c.user !== undefined && (typeof c.user !== "string" || c.user.length > MQTT_FIELD_MAX)) return "bad user";
  if (c.pass !== undefined && (typeof c.pass !== "string" || c.pass.length > MQTT_FIELD_MAX || c.user === undefined)) return "bad password (or none with no user)";
  return c;
}

/** checkMqttText on the file's bytes, read as the device reads them (one character a byte). */
export function checkMqttFile(data: Buffer, deviceName: string): MqttConfig | string {
  return checkMqttText(data.toString("latin1"), deviceName);
}

/** What `--mqtt mqtt://[user@]host[:port]` says. */
export interface MqttUrl {
  host: string;
  port: number;
  user?: string;
}

export const MQTT_URL_FORM = "mqtt://[user@]host[:port]";

/**
 * Reads `--mqtt`'s URL. A password in it (`user:pass@`) is refused: secrets never go on the
 * command line (ESPFW_MQTT_PASSWORD). The user may be percent-encoded (`%40` for `@`).
 */
export function parseMqttUrl(url: string): MqttUrl {
  if (/^mqtts:\/\//i.test(url) || /^(ssl|tls|wss?):\/\//i.test(url)) {
    throw new DeployError("EUSAGE", `--mqtt ${JSON.stringify(url)}: the device speaks plain MQTT over TCP only (no TLS, no WebSocket): use ${MQTT_URL_FORM}`);
  }
  const m = /^mqtt:\/\/(?:(.*)@)?([^@:/?#[\]\s]*)(?::([^/?#]*))?\/?$/i.exec(url);
  if (m === null) throw new DeployError("EUSAGE", `--mqtt wants ${MQTT_URL_FORM} (or off), got ${JSON.stringify(url)}`);
  const userinfo = m[1];
  if (userinfo !== undefined && userinfo.indexOf(":") >= 0) {
    // Neither the URL nor the password is repeated here: it would land in the terminal's scrollback.
    throw new DeployError(
      "EUSAGE",
      "--mqtt: the URL holds a password (user:password@): secrets are not taken on the command line; give mqtt://user@host and set ESPFW_MQTT_PASSWORD in the environment or .env (or type it at the prompt)",
    );
  }
  const out: MqttUrl = { host: m[2], port: MQTT_DEFAULT_PORT };
  if (m[2] === "") throw new DeployError("EUSAGE", `--mqtt ${JSON.stringify(url)}: no host`);
  if (m[3] !== undefined) {
    if (!/^[0-9]{1,5}$/.test(m[3])) throw new DeployError("EUSAGE", `--mqtt: the port must be a number 1..65535, got ${JSON.stringify(m[3])}`);
    out.port = Number(m[3]);
  }
  if (userinfo !== undefined) {
    let user: string;
    try {
      user = decodeURIComponent(userinfo);
    } catch {
      throw new DeployError("EUSAGE", "--mqtt: the user is not a valid percent-encoded name");
    }
    if (user === "") throw new DeployError("EUSAGE", "--mqtt: an empty user before @; drop the @ for no user");
    out.user = user;
  }
  return out;
}

/** The --mqtt-* options, as given (undefined: the device's default). */
export interface MqttOptions {
  prefix?: string;
  name?: string;
  period?: string;
  /** A discovery prefix, or "off" / "" for none. */
  ha?: string;
}

const HINTS: Record<string, string> = {
  "bad host": `the host must be 1..${MQTT_FIELD_MAX} bytes`,
  "bad port": "the port must be 1..65535",
  "bad period": "--mqtt-period wants whole seconds, 1..3600",
  "bad prefix, name or ha": `--mqtt-prefix, --mqtt-name and --mqtt-ha: at most ${MQTT_FIELD_MAX} bytes each, none of + # / or NUL; prefix and name not empty`,
  "bad user": `the user must be at most ${MQTT_FIELD_MAX} bytes`,
  "bad password (or none with no user)": `ESPFW_MQTT_PASSWORD must be at most ${MQTT_FIELD_MAX} bytes`,
};

/**
 * The file provision writes for `url`, `opts` and `pass` (only with a user): the fields given,
 * the port always; what is not given takes the device's default. Checked with the device's rules
 * (EUSAGE saying which field and why, never the password). `deviceName` fills in the default
 * name for the check; the file leaves it out, so the device names itself.
 */
export function mqttFileFor(url: MqttUrl, opts: MqttOptions, pass: string | undefined, deviceName: string): { data: Buffer; config: MqttConfig } {
  const o: Record<string, unknown> = { host: url.host, port: url.port };
  if (url.user !== undefined) o.user = url.user;
  if (url.user !== undefined && pass !== undefined && pass !== "") o.pass = pass;
  if (opts.prefix !== undefined) o.prefix = opts.prefix;
  if (opts.name !== undefined) o.name = opts.name;
  // Not a number (say "10s") becomes null in the JSON, which the check refuses as the device would.
  if (opts.period !== undefined) o.period = opts.period.trim() === "" ? NaN : Number(opts.period);
  if (opts.ha !== undefined) o.ha = opts.ha === "off" ? "" : opts.ha;
  const data = Buffer.from(JSON.stringify(o), "utf8");
  const c = checkMqttFile(data, deviceName);
  if (typeof c === "string") throw new DeployError("EUSAGE", `the MQTT configuration would be refused by the device (${c}): ${HINTS[c] ?? c}`);
  // The fields as typed (checkMqttFile's are byte strings); the device's defaults where not given.
  const config: MqttConfig = {
    host: url.host,
    port: url.port,
    user: url.user,
    pass: o.pass as string | undefined,
    prefix: opts.prefix ?? MQTT_DEFAULT_PREFIX,
    name: opts.name ?? c.name,
    period: c.period,
    ha: o.ha === undefined ? MQTT_DEFAULT_HA : (o.ha as string),
  };
  return { data, config };
}

/** One line on what was saved, without the password. `name` is what to show for the name. */
export function describeMqtt(c: MqttConfig, name: string): string {
  const who = c.user !== undefined ? encodeURIComponent(c.user) + "@" : "";
  const auth = c.user === undefined ? "" : c.pass !== undefined ? " (with a password)" : " (no password)";
  const ha = c.ha === "" ? "Home Assistant discovery off" : `Home Assistant discovery under ${c.ha}`;
  return `mqtt://${who}${c.host}:${c.port}${auth}, prefix ${c.prefix}, name ${name}, every ${c.period} s, ${ha}`;
}

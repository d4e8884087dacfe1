/*
 * `npm run provision -- --port <p> [--ssid <name>] [--mqtt <url|off>]`: joins the device to a
 * Wi-Fi network and stores the credentials on it (Espruino's Wifi.connect, then Wifi.save, which
 * writes Storage `.wificfg`), then prints the address it got; and/or writes the MQTT
 * configuration the firmware reads at boot (Storage `mqtt`, JSON; scripts/deploy/mqtt-config.ts),
 * or removes it with `--mqtt off`, then restarts the device's program (load()) and waits until
 * it says it is connecting to the broker.
 *
 * The passwords come from ESPFW_WIFI_PASSWORD and ESPFW_MQTT_PASSWORD (the environment or .env)
 * or a prompt without echo, never from the command line. Each goes to the device in one console
 * line sent with echo off (Espruino's DLE prefix), and nowhere else: not to a file, not to a
 * child process's argv, and every line this tool prints goes through the redactor.
 * Exit codes: 0 done, 1 failed, 2 bad usage (everything on the command line is checked, the MQTT
 * configuration with the device's own rules, before anything is sent).
 */
import { parseProvisionArgs, PROVISION_USAGE, type ProvisionArgs } from "./deploy/args.ts";
import {
  adler32,
  checksumExpr,
  eraseExpr,
  fileExistsExpr,
  HOSTNAME_EXPR,
  mqttWriteExpr,
  WIFI_RESULT_EXPR,
  WIFI_SAVE_EXPR,
  wifiConnectExpr,
} from "./deploy/device-commands.ts";
import { DeployError, exitCodeFor } from "./deploy/errors.ts";
import { type ConsoleLink, delay, installQuietConsole, openLink } from "./deploy/espruino-link.ts";
import { describeMqtt, MQTT_FILE, mqttFileFor, type MqttOptions, type MqttUrl, parseMqttUrl } from "./deploy/mqtt-config.ts";
import { checkPort } from "./deploy/run-deploy.ts";
import { createRedactor, ENV_CONSOLE_PASSWORD, ENV_MQTT_PASSWORD, ENV_WIFI_PASSWORD, loadDotEnv, promptHidden, secretFromEnv } from "./deploy/secrets.ts";

interface WifiState {
  r: string | null;
  station: string;
  ip: string | undefined;
}

const FAILED_STATES = ["bad_password", "no_ap_found", "connect_failed"];

/** The name the check gives the device when --mqtt-name is not given (the device's default is always valid). */
const SOME_DEVICE_NAME = "device";

/** How long to wait, once the device is connecting, for the broker's answer (the device gives up on a CONNACK after 10 s). */
const BROKER_ANSWER_MS = 15000;

function explain(state: string): string {
  if (state === "bad_password") return "the network refused the password (check ESPFW_WIFI_PASSWORD, or type it again)";
  if (state === "no_ap_found") return "no network of that name is in range (the ESP8266 sees 2.4 GHz networks only; names are case-sensitive)";
  return `the connection failed (${state}); move the board closer to the access point and try again`;
}

/** What CONNACK's return code means (MQTT 3.1.1, 3.2.2.3). */
function explainConnack(rc: number): string {
  if (rc === 4) return "bad user name or password: check the user in --mqtt and ESPFW_MQTT_PASSWORD";
  if (rc === 5) return "not authorized: the broker does not let this user (or an anonymous client) connect";
  if (rc === 2) return "client id rejected: the broker refuses the name (--mqtt-name)";
  if (rc === 3) return "the broker is unavailable";
  if (rc === 1) return "the broker does not speak MQTT 3.1.1";
  return `return code ${rc}`;
}

/** The MQTT part of the command line: nothing, off, or a broker and options. Usage errors only. */
type MqttPlan = { off: true } | { off: false; url: MqttUrl; opts: MqttOptions };

function mqttPlan(args: ProvisionArgs): MqttPlan | null {
  const given: Array<[string, string | undefined]> = [
    ["--mqtt-prefix", args.mqttPrefix],
    ["--mqtt-name", args.mqttName],
    ["--mqtt-period", args.mqttPeriod],
    ["--mqtt-ha", args.mqttHa],
  ];
  const extra = given.filter((g) => g[1] !== undefined).map((g) => g[0]);
  if (args.mqtt === undefined) {
    if (extra.length) throw new DeployError("EUSAGE", `${extra.join(", ")} without --mqtt: give the broker with --mqtt mqtt://[user@]host[:port]`);
    return null;
  }
  if (args.mqtt === "off") {
    if (extra.length) throw new DeployError("EUSAGE", `--mqtt off removes the configuration: ${extra.join(", ")} has nothing to set`);
    return { off: true };
  }
  const plan: MqttPlan = { off: false, url: parseMqttUrl(args.mqtt), opts: { prefix: args.mqttPrefix, name: args.mqttName, period: args.mqttPeriod, ha: args.mqttHa } };
  // Every field but the password, checked now: a mistake costs no prompt and sends nothing.
  mqttFileFor(plan.url, plan.opts, undefined, SOME_DEVICE_NAME);
  return plan;
}

/** Waits until `seen()` matches one of `patterns`; gives the index and the match, or null after `ms`. */
async function waitForOutput(seen: () => string, patterns: RegExp[], ms: number): Promise<{ i: number; m: RegExpExecArray } | null> {
  const end = Date.now() + ms;
  for (;;) {
    const text = seen();
    for (let i = 0; i < patterns.length; i++) {
      const m = patterns[i].exec(text);
      if (m) return { i, m };
    }
    if (Date.now() > end) return null;
    await delay(100);
  }
}

async function joinWifi(link: ConsoleLink, args: ProvisionArgs, password: string, say: (l: string) => void): Promise<void> {
  say(`wifi: joining "${args.ssid}"`);
  await link.evaluate(wifiConnectExpr(args.ssid as string, password), { what: "Wifi.connect" });
  const deadline = Date.now() + args.timeoutS * 1000;
  let last = "";
  let state: WifiState;
  for (;;) {
    await delay(1000);
    state = (await link.evaluate(WIFI_RESULT_EXPR, { what: "reading the Wi-Fi state" })) as WifiState;
    if (state.station !== last) {
      say(`wifi: ${state.station}`);
      last = state.station;
    }
    const gotIp = !!state.ip && state.ip !== "0.0.0.0";
    if ((state.r === "ok" || state.station === "connected") && gotIp) break;
    if (state.r && state.r !== "ok") throw new DeployError("EWIFI", explain(state.r));
    if (FAILED_STATES.indexOf(state.station) >= 0) throw new DeployError("EWIFI", explain(state.station));
    if (Date.now() > deadline) {
      throw new DeployError("EWIFI", `no address after ${args.timeoutS} s (station: ${state.station}); nothing was saved. Try again with --timeout 60, or check the network name`);
    }
  }
  const saved = await link.evaluate(WIFI_SAVE_EXPR, { what: "Wifi.save" });
  if (saved !== true) throw new DeployError("EDEVICE", "Wifi.save did not write .wificfg to Storage");
  say(`saved: the device rejoins "${args.ssid}" at every boot (Storage .wificfg)`);
  say(`address: ${state.ip}`);
  const host = (await link.evaluate(HOSTNAME_EXPR, { what: "reading the host name" })) as string;
  if (host) say(`name: ${host} (the firmware announces http://${host}.local/ over mDNS; the harness and deploy take ${host}.local as an address)`);
  say(`next: telnet ${state.ip} 4444, or open http://${state.ip}/ (ports of the board config)`);
}

/** Stops the running program (reset(): its files stay), so that nothing it prints is taken for what the restarted one says. */
async function stopProgram(link: ConsoleLink): Promise<void> {
  await link.send("\x10reset();\n");
  await delay(1500);
}

/**
 * After a failure between reset() and load(): restarts the program (load()), having erased
 * Storage `mqtt` first when `erase` (a file that did not read back as sent is not left for the
 * device to use). Gives the error with what was done added.
 */
async function restartAfter(link: ConsoleLink, e: unknown, erase: boolean): Promise<DeployError> {
  const code = e instanceof DeployError ? e.code : "EDEVICE";
  const msg = e instanceof Error ? e.message : String(e);
  try {
    if (erase) await link.evaluate(eraseExpr(MQTT_FILE), { what: "erasing the MQTT configuration" });
    await link.send("\x10load();\n");
    return new DeployError(code, `${msg}\n  ${erase ? `Storage ${MQTT_FILE} was erased and the` : "the"} program restarted (load()); provision again`);
  } catch {
    return new DeployError(code, `${msg}\n  the program is stopped and the device did not take load(): power-cycle it`);
  }
}

/** --mqtt off: erases Storage `mqtt` (when there is one) and restarts the program without MQTT. */
async function removeMqtt(link: ConsoleLink, say: (l: string) => void): Promise<void> {
  const had = await link.evaluate(fileExistsExpr(MQTT_FILE), { what: "looking for the MQTT configuration" });
  if (had !== true) {
    say(`mqtt: no configuration on the device (Storage ${MQTT_FILE}): MQTT is already off, nothing changed`);
    return;
  }
  say(`mqtt: removing the configuration (Storage ${MQTT_FILE})`);
  await stopProgram(link);
  try {
    await link.evaluate(eraseExpr(MQTT_FILE), { what: "erasing the MQTT configuration" });
    const still = await link.evaluate(fileExistsExpr(MQTT_FILE), { what: "checking the MQTT configuration is gone" });
    if (still !== false) throw new DeployError("EDEVICE", `Storage ${MQTT_FILE} is still there after erase()`);
  } catch (e) {
    throw await restartAfter(link, e, false);
  }
  say("mqtt: restart: load()");
  await link.send("\x10load();\n");
  await delay(300);
  say("mqtt: removed; the device runs without MQTT (and holds no socket for it)");
}

/** Writes Storage `mqtt`, reads it back, restarts the program and waits until the device connects to the broker. */
async function saveMqtt(
  link: ConsoleLink,
  file: { data: Buffer; config: ReturnType<typeof mqttFileFor>["config"] },
  givenName: string | undefined,
  timeoutS: number,
  seen: { text: string },
  say: (l: string) => void,
): Promise<void> {
  let name = givenName;
  let topicName = givenName ?? "<device name>";
  if (name === undefined) {
    const host = (await link.evaluate(HOSTNAME_EXPR, { what: "reading the device's name" })) as string;
    name = host ? `${host} (the device's own)` : "the device's own";
    if (host) topicName = host;
  }
  say(`mqtt: writing the configuration (Storage ${MQTT_FILE}); the running program stops first`);
  await stopProgram(link);
  try {
    const ok = await link.evaluate(mqttWriteExpr(MQTT_FILE, file.data), { what: "writing the MQTT configuration", timeoutMs: 8000 });
    if (ok !== true) throw new DeployError("EDEVICE", `Storage refused the MQTT configuration ("${MQTT_FILE}"): is Storage full?`);
    // Length and checksum computed on the device: nothing of the file comes back.
    const got = (await link.evaluate(checksumExpr(MQTT_FILE), { what: "reading back the MQTT configuration" })) as [number, number] | null;
    if (!Array.isArray(got) || got[0] !== file.data.length || got[1] !== adler32(file.data)) {
      throw new DeployError("EVERIFY", `the MQTT configuration read back from Storage "${MQTT_FILE}" differs from what was sent (${got === null ? "no file" : "length " + got[0] + ", expected " + file.data.length})`);
    }
  } catch (e) {
    throw await restartAfter(link, e, true);
  }
  say(`mqtt: saved ${describeMqtt(file.config, name)}; the device connects now`);
  say("mqtt: restart: load()");
  seen.text = "";
  await link.send("\x10load();\n");
  const c = file.config;
  const started = await waitForOutput(() => seen.text, [/mqtt: connecting to ([^\r\n]*)\r?\n/, /mqtt: off, ([^\r\n]*)\r?\n/], timeoutS * 1000);
  if (started === null) {
    throw new DeployError(
      "EMQTT",
      `the device did not start MQTT within ${timeoutS} s of load() (no "mqtt: connecting to" on its console): does it run this firmware, with MQTT? Deploy it (npm run deploy). ` +
        `The configuration is saved in Storage "${MQTT_FILE}". Last output: ${JSON.stringify(link.transcript().slice(-200))}`,
    );
  }
  if (started.i === 1) {
    throw new DeployError(
      "EMQTT",
      `the device turned MQTT off after the restart ("mqtt: off, ${started.m[1]}"): its firmware disagrees with this tool about the configuration; deploy the current firmware, or provision again. The file stays in Storage "${MQTT_FILE}" until then`,
    );
  }
  say(`mqtt: the device is connecting to ${started.m[1]}`);
  const after = () => seen.text.slice(started.m.index);
  // The first attempt's outcome: accepted, refused, or gone (the device then waits and tries again).
  const answer = await waitForOutput(after, [/mqtt: connected\r?\n/, /mqtt: refused by the broker \(CONNACK ([0-9]+)\)/, /mqtt: retry in [0-9]+ ms/], BROKER_ANSWER_MS);
  if (answer !== null && answer.i === 0) {
    say(`mqtt: connected; topics under ${c.prefix}/${topicName}/ (status, sample, frame, state, led, led/set)`);
    return;
  }
  if (answer === null || answer.i === 2) {
    const lines = after()
      .split(/\r?\n/)
      .filter((l) => l.startsWith("mqtt: ") && !/^mqtt: (connecting to|retry in)/.test(l));
    const why = lines.length ? ` (the device said "${lines[lines.length - 1]}")` : answer === null ? ` after ${BROKER_ANSWER_MS / 1000} s` : "";
    say(`mqtt: not connected to ${c.host}:${c.port} yet${why}; the device keeps trying (backoff 1 s doubling to 60 s). Is the broker running and reachable from the device's network?`);
    return;
  }
  throw new DeployError(
    "EMQTT",
    `the broker at ${c.host}:${c.port} refused the device: ${explainConnack(Number(answer.m[1]))}. The configuration is saved; the device keeps retrying with it (backoff up to 60 s) until it is provisioned again`,
  );
}

async function provision(argv: string[], out: (l: string) => void): Promise<void> {
  loadDotEnv();
  const args = parseProvisionArgs(argv);
  if (args.help) {
    out(PROVISION_USAGE);
    return;
  }
  const mqtt = mqttPlan(args);
  if (!args.ssid && mqtt === null) {
    throw new DeployError("EUSAGE", "no --ssid or --mqtt given: name the Wi-Fi network to join (--ssid), the MQTT broker (--mqtt), or both");
  }
  checkPort(args.port);
  const password = args.ssid ? (secretFromEnv(ENV_WIFI_PASSWORD) ?? (await promptHidden(`Wi-Fi password for "${args.ssid}" (not echoed): `, ENV_WIFI_PASSWORD))) : undefined;
  const envMqttPassword = secretFromEnv(ENV_MQTT_PASSWORD);
  let mqttPassword: string | undefined;
  let mqttFile: ReturnType<typeof mqttFileFor> | undefined;
  if (mqtt !== null && !mqtt.off) {
    const user = mqtt.url.user;
    if (user !== undefined) {
      mqttPassword = envMqttPassword ?? (await promptHidden(`MQTT password for "${user}" at ${mqtt.url.host} (not echoed; empty for none): `, ENV_MQTT_PASSWORD));
    }
    mqttFile = mqttFileFor(mqtt.url, mqtt.opts, mqttPassword, SOME_DEVICE_NAME);
  }
  const consolePassword = secretFromEnv(ENV_CONSOLE_PASSWORD);
  // The file's text too: the console line that writes it carries it whole (base64).
  const redact = createRedactor([password, consolePassword, envMqttPassword, mqttPassword, mqttFile?.config.pass !== undefined ? mqttFile.data.toString("utf8") : undefined]);
  const say = (l: string) => out(redact(l));
  installQuietConsole(redact, args.verbose);
  if (mqtt !== null && !mqtt.off && mqtt.url.user === undefined && envMqttPassword !== undefined) {
    say(`mqtt: ${ENV_MQTT_PASSWORD} is set, but --mqtt names no user: no password is sent (MQTT takes one only with a user)`);
  }

  const seen = { text: "" };
  say(`connect: ${args.port}`);
  const link = await openLink(args.port as string, {
    fast: args.fast,
    redact,
    onOutput: (t) => {
      seen.text = (seen.text + t).slice(-20000);
    },
  });
  try {
    await link.unlock(consolePassword);
    if (args.ssid) await joinWifi(link, args, password as string, say);
    if (mqtt !== null && mqtt.off) await removeMqtt(link, say);
    else if (mqttFile !== undefined) await saveMqtt(link, mqttFile, args.mqttName, args.timeoutS, seen, say);
  } finally {
    await link.close();
  }
}

provision(process.argv.slice(2), (l) => process.stdout.write(l + "\n")).then(
  () => process.exit(0),
  (e: unknown) => {
    if (e instanceof DeployError) {
      process.stderr.write(`provision: error ${e.code}: ${e.message}\n`);
      if (exitCodeFor(e.code) === 2) process.stderr.write("\n" + PROVISION_USAGE);
      process.exit(exitCodeFor(e.code));
    }
    process.stderr.write(`provision: unexpected error: ${(e as Error).message}\n`);
    process.exit(1);
  },
);

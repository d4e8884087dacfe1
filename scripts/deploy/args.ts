/*
 * Command-line options of deploy and provision, parsed without dependencies. Secrets are not
 * options: they come from the environment or a prompt (secrets.ts), so they never sit in a
 * shell history or a process list.
 */
import { DeployError } from "./errors.ts";
import type { ServicePorts } from "./wait-device.ts";

export interface DeployArgs {
  board?: string;
  port?: string;
  host?: string;
  bundle?: string;
  dryRun?: string;
  manifest?: string;
  fast: boolean;
  check: boolean;
  wait: boolean;
  tokenPrompt: boolean;
  clearToken: boolean;
  ports: Partial<ServicePorts>;
  timeoutS: number;
  verbose: boolean;
  help: boolean;
}

export interface ProvisionArgs {
  port?: string;
  ssid?: string;
  /** `mqtt://[user@]host[:port]`, or "off" to remove the configuration. */
  mqtt?: string;
  mqttPrefix?: string;
  mqttName?: string;
  mqttPeriod?: string;
  /** A discovery prefix, or "off". */
  mqttHa?: string;
  timeoutS: number;
  fast: boolean;
  verbose: boolean;
  help: boolean;
}

export const DEPLOY_USAGE = `usage: npm run deploy -- --board <name> --port </dev/ttyUSB0 | tcp://<ip>[:port]> [options]

  --board <name>        board config (board-configs/<name>.json)
  --port <p>            the device's console: a serial port, or tcp://<ip>[:port] (telnet console, port 23)
  --host <ip>           where the device's services answer after the restart (default: the tcp:// address,
                        or the Wi-Fi address the device reports)
  --bundle <file.js>    deploy this bundle instead of building one (it still goes through the gate and budget)
  --dry-run <folder>    write what would be sent (Storage files and the console command log) to a folder
  --manifest <file>     web assets manifest (default dist/web/manifest.json)
  --token-prompt        ask for the control token (otherwise ESPFW_TOKEN, if set)
  --clear-token         erase the control token on the device
  --ports http=N,echo=N,line=N   service ports to wait on, when they differ from the board config
  --no-wait             do not wait for the device to answer after the restart
  --no-check            do not run the harness check afterwards
  --fast                no pacing between console writes (simulator, good Wi-Fi)
  --timeout <s>         how long to wait for the device after the restart (default 60)
  --verbose             show what the espruino package logs (secrets redacted)

Secrets, from the environment only: ESPFW_TOKEN, ESPFW_CONSOLE_PASSWORD (see .env.example).
`;

export const PROVISION_USAGE = `usage: npm run provision -- --port </dev/ttyUSB0 | tcp://<ip>[:port]> [--ssid <network name>] [--mqtt <url|off>] [options]

  --port <p>             the device's console: a serial port, or tcp://<ip>[:port]
  --ssid <name>          the Wi-Fi network to join
  --mqtt <url>           the MQTT broker the device reports to: mqtt://[user@]host[:port] (port 1883 by
                         default); written to Storage "mqtt", then the device restarts its program (load())
  --mqtt off             remove the MQTT configuration (MQTT off), then restart the program
  --mqtt-prefix <p>      the first topic level (default espfw): topics are <prefix>/<name>/...
  --mqtt-name <n>        the device's name in topics and its client id (default the board's device name)
  --mqtt-period <s>      seconds between samples, 1..3600 (default 1)
  --mqtt-ha <prefix|off> Home Assistant discovery prefix (default homeassistant), off for none
  --timeout <s>          how long to wait for an address, and for the device to start MQTT (default 30)
  --fast                 no pacing between console writes
  --verbose              show what the espruino package logs (secrets redacted)

Give --ssid, --mqtt or both (Wi-Fi is joined first).
The Wi-Fi password is read from ESPFW_WIFI_PASSWORD, or asked for without echo.
The MQTT password (only with a user in the URL) is read from ESPFW_MQTT_PASSWORD, or asked for
without echo; a password in the URL (user:password@) is refused.
A locked console is unlocked with ESPFW_CONSOLE_PASSWORD.
`;

function taker(argv: readonly string[]) {
  let i = 0;
  return {
    next(): string | undefined {
      return i < argv.length ? argv[i++] : undefined;
    },
    value(flag: string): string {
      const v = i < argv.length ? argv[i++] : undefined;
      if (v === undefined || v.startsWith("--")) throw new DeployError("EUSAGE", `${flag} needs a value`);
      return v;
    },
  };
}

function seconds(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new DeployError("EUSAGE", `${flag} wants seconds (1..3600), got ${JSON.stringify(v)}`);
  return n;
}

export function parsePorts(v: string): Partial<ServicePorts> {
  const out: Partial<ServicePorts> = {};
  for (const part of v.split(",")) {
    const m = /^(http|echo|line)=([0-9]+)$/.exec(part.trim());
    const n = m ? Number(m[2]) : NaN;
    if (!m || n < 1 || n > 65535) throw new DeployError("EUSAGE", `--ports wants http=N,echo=N,line=N, got ${JSON.stringify(part)}`);
    out[m[1] as keyof ServicePorts] = n;
  }
  return out;
}

const SECRET_FLAGS = ["--token", "--password", "--console-password", "--wifi-password", "--mqtt-password", "--mqtt-pass"];

function refuseSecretFlag(arg: string): void {
  if (SECRET_FLAGS.indexOf(arg.split("=")[0]) >= 0) {
    throw new DeployError("EUSAGE", `${arg.split("=")[0]}: secrets are not taken on the command line; use the environment (see .env.example) or the prompt`);
  }
}

export function parseDeployArgs(argv: readonly string[]): DeployArgs {
  const a: DeployArgs = { fast: false, check: true, wait: true, tokenPrompt: false, clearToken: false, ports: {}, timeoutS: 60, verbose: false, help: false };
  const t = taker(argv);
  for (let arg = t.next(); arg !== undefined; arg = t.next()) {
    refuseSecretFlag(arg);
    switch (arg) {
      case "--board": a.board = t.value(arg); break;
      case "--port": case "-p": a.port = t.value(arg); break;
      case "--host": a.host = t.value(arg); break;
      case "--bundle": a.bundle = t.value(arg); break;
      case "--dry-run": a.dryRun = t.value(arg); break;
      case "--manifest": a.manifest = t.value(arg); break;
      case "--token-prompt": a.tokenPrompt = true; break;
      case "--clear-token": a.clearToken = true; break;
      case "--ports": a.ports = parsePorts(t.value(arg)); break;
      case "--no-wait": a.wait = false; a.check = false; break;
      case "--no-check": a.check = false; break;
      case "--fast": a.fast = true; break;
      case "--timeout": a.timeoutS = seconds(arg, t.value(arg)); break;
      case "--verbose": case "-v": a.verbose = true; break;
      case "--help": case "-h": a.help = true; break;
      default: throw new DeployError("EUSAGE", `unknown option ${JSON.stringify(arg)}`);
    }
  }
  return a;
}

export function parseProvisionArgs(argv: readonly string[]): ProvisionArgs {
  const a: ProvisionArgs = { timeoutS: 30, fast: false, verbose: false, help: false };
  const t = taker(argv);
  for (let arg = t.next(); arg !== undefined; arg = t.next()) {
    refuseSecretFlag(arg);
    switch (arg) {
      case "--port": case "-p": a.port = t.value(arg); break;
      case "--ssid": a.ssid = t.value(arg); break;
      case "--mqtt": a.mqtt = t.value(arg); break;
      case "--mqtt-prefix": a.mqttPrefix = t.value(arg); break;
      case "--mqtt-name": a.mqttName = t.value(arg); break;
      case "--mqtt-period": a.mqttPeriod = t.value(arg); break;
      case "--mqtt-ha": a.mqttHa = t.value(arg); break;
      case "--timeout": a.timeoutS = seconds(arg, t.value(arg)); break;
      case "--fast": a.fast = true; break;
      case "--verbose": case "-v": a.verbose = true; break;
      case "--help": case "-h": a.help = true; break;
      default: throw new DeployError("EUSAGE", `unknown option ${JSON.stringify(arg)}`);
    }
  }
  return a;
}

/*
 * `npm run harness -- check --target mqtt://host[:port] [--device NAME] [--prefix P] [--user U]
 * [--period S] [--ha PREFIX|off] [--restart-cmd "..."] [--only a,b] [--json [FILE]]`: one device's
 * MQTT behaviour through a standard MQTT 3.1.1 broker (test-host/checks/mqtt.ts; docs/HARNESS.md,
 * "check --target mqtt://"). The broker is the only address: the device is found by its topics
 * under the prefix (the single one seen, when --device is not given).
 *
 * Exit codes as for the other commands: 0 every check passed (skips allowed), 1 a check failed,
 * 2 the check could not run (a bad command line, a broker that cannot be reached or refuses the
 * harness, no device or several devices under the prefix without --device).
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { describeBroker, ENV_MQTT_PASSWORD, parseMqttUrl } from "../../simulator/fleet.ts";
import { type MqttCheckContext, MQTT_CHECKS, type MqttLink, MqttRecorder, runMqttChecks, runShell, selectMqttChecks } from "../checks/mqtt.ts";
import { HarnessError, messageOf } from "../errors.ts";
import { type CheckResult, formatTable, progress, type RunReport } from "../report.ts";
import { sleep } from "../tcp.ts";

export const CHECK_MQTT_USAGE = `usage: npm run harness -- check --target mqtt://host[:port] [options]

Checks one device's MQTT behaviour through the broker (any MQTT 3.1.1 broker): its status,
samples and frames, state, LED commands, Home Assistant discovery, a takeover of its client id,
an oversized PUBLISH and a flood (each must cut it, and it must come back). One row per check.

  --target mqtt://host[:port]  the broker (port 1883 by default); no password in the URL
  --device <name>        the device (its name under the prefix, also its client id); default:
                         the only device seen online under the prefix within 3 s
  --prefix <p>           the devices' topic prefix (default espfw)
  --user <name>          the broker's user; the password from ${ENV_MQTT_PASSWORD} (or .env)
  --period <s>           the device's sample period in seconds (default 1)
  --ha <prefix>|off      Home Assistant's discovery prefix (default homeassistant); off skips
  --restart-cmd "<cmd>"  a shell command restarting the broker: mqtt.restart runs it and
                         checks the device comes back (skipped without it)
  --only <name,...>      only these checks, by name or prefix (mqtt.led, or led)
  --json [file]          also the results as JSON: alone, on stdout (the table then goes to
                         stderr); with a file name, into that file
  --connect-timeout <ms> how long to wait for the broker (default 5000)
  --help                 this text

Checks: ${MQTT_CHECKS.map((c) => c.name).join(", ")}.

Exit codes: 0 every check passed, 1 a check failed, 2 a bad command line, a broker that does not
answer or refuses, no device or several under the prefix without --device.

  npm run harness -- check --target mqtt://192.168.1.10 --device espfw-node
  npm run harness -- check --target mqtt://127.0.0.1:1883 --only status,sample,led --json out.json
`;

export interface CheckMqttArgs {
  target: string;
  device?: string;
  prefix: string;
  user?: string;
  period: number;
  /** null: --ha off. */
  ha: string | null;
  restartCmd?: string;
  only: string[];
  json?: true | string;
  connectTimeout: number;
  help: boolean;
}

/** The index of the command word: the first word that is not an option's value (-1: none). */
export function commandIndex(argv: readonly string[]): number {
  const flags = new Set(["--help", "-h", "--quick"]);
  return argv.findIndex((a, i) => !a.startsWith("-") && (i === 0 || !argv[i - 1].startsWith("-") || argv[i - 1].includes("=") || flags.has(argv[i - 1])));
}

/** Whether a command line is `check --target mqtt://...` (cli.ts sends it here). */
export function isMqttCheck(argv: readonly string[]): boolean {
  if (argv[commandIndex(argv)] !== "check") return false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = a === "--target" ? argv[i + 1] : a.startsWith("--target=") ? a.slice(9) : undefined;
    if (v !== undefined) return /^(mqtt|tcp):\/\//i.test(v);
  }
  return false;
}

const LEVEL = /^[^+#/\0]{1,64}$/;

function num(name: string, v: string, lo: number, hi: number, integer = false): number {
  const n = Number(v);
  if (v === "" || !Number.isFinite(n) || n < lo || n > hi || (integer && !Number.isInteger(n))) throw new HarnessError("EUSAGE", `${name} wants a ${integer ? "whole " : ""}number ${lo}..${hi}, got ${JSON.stringify(v)}`);
  return n;
}

/** The command line after the word check; a mistake throws HarnessError EUSAGE. */
export function parseCheckMqttArgs(argv: readonly string[]): CheckMqttArgs {
  const a: CheckMqttArgs = { target: "", prefix: "espfw", period: 1, ha: "homeassistant", only: [], connectTimeout: 5000, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const takeValue = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[i + 1];
      if (v === undefined || v.startsWith("--")) throw new HarnessError("EUSAGE", `${flag} needs a value`);
      i++;
      return v;
    };
    switch (flag) {
      case "--target": a.target = takeValue(); break;
      case "--device": a.device = takeValue(); break;
      case "--prefix": a.prefix = takeValue(); break;
      case "--user": a.user = takeValue(); break;
      case "--period": a.period = num("--period", takeValue(), 1, 3600, true); break;
      case "--ha": {
        const v = takeValue();
        a.ha = v === "off" ? null : v;
        break;
      }
      case "--restart-cmd": a.restartCmd = takeValue(); break;
      case "--only": a.only = takeValue().split(",").filter((s) => s.length > 0); break;
      case "--json": {
        // A value only when one follows that is not an option: `--json` alone means stdout.
        const next = argv[i + 1];
        if (eq > 0) a.json = arg.slice(eq + 1);
        else if (next !== undefined && !next.startsWith("-")) a.json = argv[++i];
        else a.json = true;
        break;
      }
      case "--connect-timeout": a.connectTimeout = num("--connect-timeout", takeValue(), 50, 120000); break;
      case "--help": case "-h": a.help = true; break;
      case "--password":
        throw new HarnessError("EUSAGE", `no password on the command line (ps shows it): set ${ENV_MQTT_PASSWORD} (or put it in .env)`);
      default:
        if (arg.startsWith("-")) throw new HarnessError("EUSAGE", `unknown option ${arg} for check --target mqtt://`);
        throw new HarnessError("EUSAGE", `check --target mqtt:// takes no other words, got "${arg}"`);
    }
  }
  if (a.help) return a;
  if (a.target === "") throw new HarnessError("EUSAGE", "--target is needed: the broker, mqtt://host[:port]");
  let u: URL;
  try {
    u = new URL(a.target);
  } catch {
    throw new HarnessError("EUSAGE", "--target wants a URL such as mqtt://127.0.0.1:1883");
  }
  if (u.password !== "") throw new HarnessError("EUSAGE", `no password in the URL (ps shows it): give the user with --user and the password in ${ENV_MQTT_PASSWORD}`);
  if (u.username !== "" && a.user !== undefined && decodeURIComponent(u.username) !== a.user) throw new HarnessError("EUSAGE", "the URL and --user name different users");
  try {
    parseMqttUrl(a.target);
  } catch (e) {
    throw new HarnessError("EUSAGE", messageOf(e).replace(/^--mqtt/, "--target"));
  }
  if (!LEVEL.test(a.prefix)) throw new HarnessError("EUSAGE", `--prefix is a topic level of 1..64 characters without / + # or NUL, not ${JSON.stringify(a.prefix)}`);
  if (a.device !== undefined && !LEVEL.test(a.device)) throw new HarnessError("EUSAGE", `--device is a topic level of 1..64 characters without / + # or NUL, not ${JSON.stringify(a.device)}`);
  if (a.ha !== null && !LEVEL.test(a.ha)) throw new HarnessError("EUSAGE", `--ha is a topic level without / + # (or off), not ${JSON.stringify(a.ha)}`);
  if (a.only.length > 0 && selectMqttChecks(a.only).length === 0) throw new HarnessError("EUSAGE", `--only ${a.only.join(",")} names no check; checks: ${MQTT_CHECKS.map((c) => c.name).join(", ")}`);
  if (a.restartCmd !== undefined && a.restartCmd.trim() === "") throw new HarnessError("EUSAGE", "--restart-cmd is empty");
  return a;
}

/** The broker's address and credentials: the user from the URL or --user, the password from the environment only. */
export function linkFor(args: Pick<CheckMqttArgs, "target" | "user" | "connectTimeout">, env: Record<string, string | undefined>): { link: MqttLink; broker: string } {
  const b = parseMqttUrl(args.target, {});
  const user = args.user ?? b.user;
  const password = user !== undefined ? env[ENV_MQTT_PASSWORD] || undefined : undefined;
  return { link: { host: b.host, port: b.port, username: user, password, connectTimeoutMs: args.connectTimeout }, broker: describeBroker({ host: b.host, port: b.port }) };
}

/**
 * The devices under `<prefix>/` within `ms`: those whose last status is online or that send
 * samples, and those the broker holds offline (their will).
 */
export async function findDevices(watch: MqttRecorder, prefix: string, ms: number): Promise<{ online: string[]; offline: string[] }> {
  await sleep(ms);
  const last = new Map<string, string>();
  const sampling = new Set<string>();
  for (const m of watch.msgs) {
    const [p, name, kind] = m.topic.split("/");
    if (p !== prefix || name === undefined) continue;
    if (kind === "status") last.set(name, m.text);
    if (kind === "sample") sampling.add(name);
  }
  const online = [...new Set([...[...last].filter(([, s]) => s === "online").map(([n]) => n), ...[...sampling].filter((n) => last.get(n) !== "offline")])].sort();
  const offline = [...last].filter(([n, s]) => s !== "online" && !online.includes(n)).map(([n]) => n).sort();
  return { online, offline };
}

export interface MqttCheckOptions {
  target: string;
  device?: string;
  prefix?: string;
  user?: string;
  period?: number;
  ha?: string | null;
  only?: string[];
  connectTimeout?: number;
  /** Restarts the broker (the CLI's --restart-cmd; a test's own function); none: mqtt.restart is skipped. */
  restart?: () => Promise<void>;
  env?: Record<string, string | undefined>;
  /** How long to look for the device when none is named (default 3000 ms). */
  discoverMs?: number;
}

export interface MqttCheckReport extends RunReport {
  device: string;
  prefix: string;
}

/**
 * Runs the checks against one device; resolves with the report (ok false when a check failed).
 * Throws HarnessError (exit 2) when the broker cannot be reached or the device cannot be chosen.
 */
export async function runMqttCheck(o: MqttCheckOptions): Promise<MqttCheckReport> {
  const started = Date.now();
  const prefix = o.prefix ?? "espfw";
  const { link, broker } = linkFor({ target: o.target, user: o.user, connectTimeout: o.connectTimeout ?? 5000 }, o.env ?? {});
  let device = o.device;
  if (device === undefined) {
    const look = await MqttRecorder.open(link, { [`${prefix}/+/status`]: { qos: 1 }, [`${prefix}/+/sample`]: { qos: 0 } });
    const ms = o.discoverMs ?? 3000;
    let found: { online: string[]; offline: string[] };
    try {
      found = await findDevices(look, prefix, ms);
    } finally {
      await look.close();
    }
    const gone = found.offline.length ? ` (offline: ${found.offline.join(", ")})` : "";
    if (found.online.length === 0) throw new HarnessError("ETARGET", `no device online under ${prefix}/ on ${broker} within ${ms / 1000} s${gone}; name one with --device, or give its --prefix`);
    if (found.online.length > 1) throw new HarnessError("ETARGET", `${found.online.length} devices online under ${prefix}/ on ${broker}: ${found.online.join(", ")}; name one with --device`);
    device = found.online[0];
    progress(`check: the device under ${prefix}/ is ${device}`);
  }
  const base = `${prefix}/${device}/`;
  const watch = await MqttRecorder.open(link, { [`${base}#`]: { qos: 1 } });
  // The retained status, state and led come right after the subscription.
  await sleep(500);
  const ctx: MqttCheckContext = { link, broker, prefix, device, base, ha: o.ha === undefined ? "homeassistant" : o.ha, periodMs: (o.period ?? 1) * 1000, watch, restart: o.restart, notes: {} };
  let results: CheckResult[];
  try {
    progress(`check: ${device} on ${broker} (${base}#)`);
    results = await runMqttChecks(selectMqttChecks(o.only ?? []), ctx);
  } finally {
    await watch.close();
  }
  const counts = { pass: 0, fail: 0, skip: 0 };
  for (const r of results) counts[r.outcome]++;
  return {
    command: "check",
    target: { name: broker, kind: "mqtt", host: link.host, ports: { mqtt: link.port }, board: "" },
    device,
    prefix,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    ok: counts.fail === 0,
    counts,
    results,
    summary: { broker, device, prefix, periodMs: ctx.periodMs, ha: ctx.ha, ...ctx.notes },
  };
}

export interface CheckMqttIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

/** `harness check --target mqtt://...` from parsed arguments; gives the exit code. */
export async function runCheckMqtt(args: CheckMqttArgs, io: CheckMqttIo): Promise<number> {
  let report: MqttCheckReport;
  try {
    report = await runMqttCheck({
      target: args.target,
      device: args.device,
      prefix: args.prefix,
      user: args.user,
      period: args.period,
      ha: args.ha,
      only: args.only,
      connectTimeout: args.connectTimeout,
      restart: args.restartCmd !== undefined ? () => runShell(args.restartCmd!) : undefined,
      env: io.env,
    });
  } catch (e) {
    io.stderr.write(`harness: ${messageOf(e)}\n`);
    return 2;
  }
  const table = formatTable(report.results) + "\n";
  if (args.json === true) {
    io.stderr.write(table);
    io.stdout.write(JSON.stringify(report, null, 2) + "\n");
  } else {
    io.stdout.write(table);
    if (typeof args.json === "string") {
      writeFileSync(args.json, JSON.stringify(report, null, 2) + "\n");
      io.stderr.write(`[harness] wrote ${args.json}\n`);
    }
  }
  return report.ok ? 0 : 1;
}

/** `harness check --target mqtt://...` from the command line (argv without the word check). */
export async function checkMqttMain(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let args: CheckMqttArgs;
  try {
    args = parseCheckMqttArgs(argv);
  } catch (e) {
    process.stderr.write(`harness: ${messageOf(e)}\n\n${CHECK_MQTT_USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(CHECK_MQTT_USAGE);
    return 0;
  }
  // `npm run` starts in the package's folder; a file named on the command line is the caller's.
  if (env.INIT_CWD && typeof args.json === "string") args.json = resolve(env.INIT_CWD, args.json);
  return runCheckMqtt(args, { stdout: process.stdout, stderr: process.stderr, env });
}

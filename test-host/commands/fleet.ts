/*
 * `npm run harness -- fleet --mqtt mqtt://host:port [--prefix espfw] [--seconds N] [--json [FILE]]
 * [--plot FILE.svg] [--expect N]`: watches every device publishing under `<prefix>/+/` on an MQTT
 * broker (firmware/lazy/mqtt.ts; a fleet of simulators: `npm start -- --fleet 20 --mqtt ...`) and
 * shows each one's online state, last sample, sample rate, missing seq and the time since its last
 * sample (test-host/fleet-view.ts): a table redrawn in place each second on a terminal, plain
 * lines otherwise (what happens as it happens, and the table every 10 s). It needs no --target:
 * the broker is the only address.
 *
 * Ends after --seconds (or on Ctrl-C) with the final table, or with `--json` one JSON summary on
 * stdout instead (the live view then goes to stderr), `--json FILE` writing it to a file. Exit
 * code 0 when every device seen is online and not silent, and at least --expect of them
 * (default 1); 1 otherwise, saying which; 2 for a bad command line or a broker that cannot be
 * reached at the start (it reconnects by itself after that, and counts the times it had to).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { checkFleetWords, describeBroker, parseMqttUrl } from "../../simulator/fleet.ts";
import { HarnessError, messageOf } from "../errors.ts";
import { FleetView, type FleetSummary, formatFleetTable } from "../fleet-view.ts";

export const FLEET_USAGE = `usage: npm run harness -- fleet --mqtt mqtt://host:port [options]

Watches every device publishing under <prefix>/+/ on an MQTT broker: its online state, last
sample (seq, a0, free, led), samples per second over the last 10 s, missing seq (gaps), the
samples it could not send (its state's dropped) and the time since its last sample. A table
redrawn each second on a terminal; plain lines when the output is not one.

  --mqtt <url>           the broker, mqtt://[user@]host[:port] (port 1883 by default); a user's
                         password from ESPFW_MQTT_PASSWORD (or .env) rather than the URL
  --prefix <p>           the devices' topic prefix (default espfw)
  --seconds <n>          stop after n seconds (default: at Ctrl-C)
  --json [file]          at the end, the summary as JSON on stdout (the live view goes to
                         stderr), or into the file
  --plot <file.svg>      at the end, a chart: a0 and free memory per device, devices online
  --expect <n>           fail unless at least n devices are online at the end (default 1)
  --connect-timeout <ms> how long to wait for the broker at the start (default 5000)
  --help                 this text

Exit codes: 0 every device seen is online (and at least --expect), 1 one is offline or silent,
or fewer were seen, 2 a bad command line or a broker that does not answer.

  npm start -- --fleet 20 --mqtt mqtt://127.0.0.1:1883       # 20 simulated devices
  npm run harness -- fleet --mqtt mqtt://127.0.0.1:1883 --seconds 30 --json --expect 20
`;

export interface FleetArgs {
  mqtt: string;
  prefix: string;
  seconds?: number;
  /** true: the summary on stdout; a string: into that file. */
  json?: true | string;
  plot?: string;
  expect: number;
  connectTimeout: number;
  help: boolean;
}

function num(name: string, v: string, lo: number, hi: number): number {
  const n = Number(v);
  if (v === "" || !Number.isFinite(n) || n < lo || n > hi) throw new HarnessError("EUSAGE", `${name} wants a number ${lo}..${hi}, got ${JSON.stringify(v)}`);
  return n;
}

/** `fleet`'s command line (argv without the word fleet); a mistake throws HarnessError EUSAGE. */
export function parseFleetArgs(argv: readonly string[]): FleetArgs {
  const a: FleetArgs = { mqtt: "", prefix: "espfw", expect: 1, connectTimeout: 5000, help: false };
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
      case "--mqtt": a.mqtt = takeValue(); break;
      case "--prefix": a.prefix = takeValue(); break;
      case "--seconds": a.seconds = num("--seconds", takeValue(), 0.1, 31 * 86400); break;
      case "--json": {
        // A value only when one follows that is not an option: `--json` alone means stdout.
        const next = argv[i + 1];
        if (eq > 0) a.json = arg.slice(eq + 1);
        else if (next !== undefined && !next.startsWith("-")) a.json = argv[++i];
        else a.json = true;
        break;
      }
      case "--plot": a.plot = takeValue(); break;
      case "--expect": a.expect = num("--expect", takeValue(), 0, 10000); break;
      case "--connect-timeout": a.connectTimeout = num("--connect-timeout", takeValue(), 50, 120000); break;
      case "--help": case "-h": a.help = true; break;
      default:
        if (arg.startsWith("-")) throw new HarnessError("EUSAGE", `unknown option ${arg} for fleet`);
        throw new HarnessError("EUSAGE", `fleet takes no other words, got "${arg}"`);
    }
  }
  if (a.help) return a;
  if (a.mqtt === "") throw new HarnessError("EUSAGE", "--mqtt is needed: the broker's URL, mqtt://host:port");
  try {
    parseMqttUrl(a.mqtt);
    checkFleetWords("sim", a.prefix);
  } catch (e) {
    throw new HarnessError("EUSAGE", messageOf(e));
  }
  if (a.plot !== undefined && !a.plot.endsWith(".svg")) throw new HarnessError("EUSAGE", `--plot writes an SVG: a file name ending in .svg, got "${a.plot}"`);
  return a;
}

export interface FleetWatch {
  view: FleetView;
  client: MqttClient;
  /** The broker as people may read it (no credentials). */
  broker: string;
  /** Whether the view is connected to the broker right now. */
  connected(): boolean;
  summary(): FleetSummary;
  stop(): Promise<void>;
}

export interface WatchOptions {
  mqtt: string;
  prefix?: string;
  env?: Record<string, string | undefined>;
  connectTimeoutMs?: number;
  /** Each thing that happens (a device seen, online, offline, seq missing, the broker lost). */
  onEvent?: (text: string) => void;
  now?: () => number;
}

/**
 * Connects to the broker and subscribes to the devices' sample, status and state topics.
 * Resolves once subscribed; rejects with HarnessError ECONNECT when the broker cannot be reached,
 * refuses the connection (CONNACK) or does not accept it within the timeout. After that, a lost broker is reconnected every second (and
 * subscribed again: a broker restarted without persistence forgot the subscription).
 */
export async function watchFleet(o: WatchOptions): Promise<FleetWatch> {
  const now = o.now ?? Date.now;
  const b = parseMqttUrl(o.mqtt, o.env ?? {});
  const broker = describeBroker(b);
  const event = o.onEvent ?? (() => {});
  const view = new FleetView(o.prefix ?? "espfw", now(), event);
  const timeout = o.connectTimeoutMs ?? 5000;
  const client = mqtt.connect({
    protocol: "mqtt",
    host: b.host,
    port: b.port,
    username: b.user,
    password: b.pass,
    clientId: `espfw-fleet-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: timeout,
  });
  let connected = false;
  // Errors after the start (the broker gone) show as its close; mqtt.js reconnects by itself.
  client.on("error", () => {});
  client.on("message", (topic, payload) => {
    view.message(topic, payload, now());
  });
  const filters = Object.fromEntries(view.filters().map((f) => [f, { qos: f.endsWith("/sample") ? (0 as const) : (1 as const) }]));
  try {
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new HarnessError("ECONNECT", `cannot reach the MQTT broker ${broker}: no answer in ${timeout} ms`)), timeout);
      client.once("connect", () => {
        clearTimeout(t);
        res();
      });
      // At the start, a refused connection or CONNACK will not get better by retrying.
      client.once("error", (e: Error & { code?: string | number }) => {
        clearTimeout(t);
        rej(
          new HarnessError(
            "ECONNECT",
            typeof e.code === "number" ? `the MQTT broker ${broker} refused the connection: ${messageOf(e)}` : `cannot reach the MQTT broker ${broker}: ${messageOf(e)}`,
          ),
        );
      });
    });
    await client.subscribeAsync(filters);
  } catch (e) {
    client.end(true);
    throw e instanceof HarnessError ? e : new HarnessError("ECONNECT", `the MQTT broker ${broker}: ${messageOf(e)}`);
  }
  connected = true;
  client.on("close", () => {
    if (!connected) return;
    connected = false;
    view.brokerDisconnects++;
    event(`broker ${broker} lost; reconnecting`);
  });
  client.on("connect", () => {
    connected = true;
    event(`broker ${broker} back`);
  });
  return {
    view,
    client,
    broker,
    connected: () => connected,
    summary: () => view.summary(now(), broker),
    stop: () => {
      // Our own end is no broker lost.
      connected = false;
      return new Promise<void>((r) => client.end(true, {}, () => r()));
    },
  };
}

/** Why the run failed (exit 1), or null when every device seen is online and not silent, and enough of them. */
export function fleetVerdict(s: FleetSummary, expect: number): string | null {
  const bad = s.devices.filter((d) => !d.online || d.silent);
  const problems: string[] = [];
  if (s.counts.devices === 0) problems.push(`no device seen under ${s.prefix}/`);
  if (bad.length > 0) problems.push(`${bad.length} of ${s.counts.devices} not online: ${bad.map((d) => `${d.name} (${d.silent ? "silent" : d.status ?? "no status"})`).join(", ")}`);
  if (s.counts.online < expect) problems.push(`${s.counts.online} online, ${expect} expected`);
  return problems.length ? problems.join("; ") : null;
}

export interface FleetIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Ends a run without --seconds (Ctrl-C); the CLI wires SIGINT and SIGTERM to it. */
  signal?: AbortSignal;
}

/** Runs `fleet` and gives its exit code. */
export async function runFleet(args: FleetArgs, io: FleetIo): Promise<number> {
  const live = args.json === true ? io.stderr : io.stdout;
  const tty = live.isTTY === true;
  const t0 = Date.now();
  const stamp = (): string => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s]`;
  let drawn = 0;
  const events: string[] = [];
  const onEvent = (text: string): void => {
    if (tty) {
      events.push(`${stamp()} ${text}`);
      if (events.length > 6) events.shift();
    } else live.write(`${stamp()} ${text}\n`);
  };
  let w: FleetWatch;
  try {
    w = await watchFleet({ mqtt: args.mqtt, prefix: args.prefix, env: io.env, connectTimeoutMs: args.connectTimeout, onEvent });
  } catch (e) {
    io.stderr.write(`harness: ${messageOf(e)}\n`);
    return 2;
  }
  const draw = (): void => {
    const text = formatFleetTable(w.summary(), args.seconds) + (events.length ? "\n\n" + events.join("\n") : "") + "\n";
    live.write((drawn > 0 ? `\x1b[${drawn}A\x1b[J` : "") + text);
    drawn = text.split("\n").length - 1;
  };
  if (!tty) live.write(`${stamp()} watching ${args.prefix}/+/{sample,status,state} on ${w.broker}${args.seconds !== undefined ? ` for ${args.seconds} s` : " until Ctrl-C"}\n`);
  let ticks = 0;
  const timer = setInterval(() => {
    w.view.tick(Date.now());
    ticks++;
    if (tty) draw();
    else if (ticks % 10 === 0) live.write(formatFleetTable(w.summary(), args.seconds) + "\n");
  }, 1000);
  await new Promise<void>((res) => {
    const t = args.seconds !== undefined ? setTimeout(res, args.seconds * 1000) : undefined;
    io.signal?.addEventListener("abort", () => {
      if (t) clearTimeout(t);
      res();
    });
    if (io.signal?.aborted) res();
  });
  clearInterval(timer);
  w.view.tick(Date.now());
  const summary = w.summary();
  await w.stop();
  if (tty) draw();
  else live.write(formatFleetTable(summary, args.seconds) + "\n");
  if (args.plot) {
    mkdirSync(dirname(args.plot), { recursive: true });
    writeFileSync(args.plot, w.view.plot(`${summary.counts.devices} devices under ${summary.prefix}/ on ${summary.broker}, ${(summary.durationMs / 1000).toFixed(0)} s`));
    io.stderr.write(`[harness] fleet: wrote the chart ${args.plot}\n`);
  }
  const verdict = fleetVerdict(summary, args.expect);
  const doc = { command: "fleet", ok: verdict === null, problem: verdict, ...summary };
  if (args.json === true) io.stdout.write(JSON.stringify(doc, null, 2) + "\n");
  else if (typeof args.json === "string") {
    writeFileSync(args.json, JSON.stringify(doc, null, 2) + "\n");
    io.stderr.write(`[harness] fleet: wrote ${args.json}\n`);
  }
  if (verdict !== null) io.stderr.write(`harness: fleet: ${verdict}\n`);
  return verdict === null ? 0 : 1;
}

/** `harness fleet ...` from the command line (argv after the word fleet). */
export async function fleetMain(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let args: FleetArgs;
  try {
    args = parseFleetArgs(argv);
  } catch (e) {
    process.stderr.write(`harness: ${messageOf(e)}\n\n${FLEET_USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(FLEET_USAGE);
    return 0;
  }
  // `npm run` starts in the package's folder; files named on the command line are the caller's.
  const cwd = env.INIT_CWD;
  if (cwd) {
    if (typeof args.json === "string") args.json = resolve(cwd, args.json);
    if (args.plot) args.plot = resolve(cwd, args.plot);
  }
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    return await runFleet(args, { stdout: process.stdout, stderr: process.stderr, env, signal: ac.signal });
  } finally {
    process.removeListener("SIGINT", stop);
    process.removeListener("SIGTERM", stop);
  }
}

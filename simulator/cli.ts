/*
 * `npm start [-- options]`: builds the board's bundle if needed, starts the simulator with its
 * Storage in .sim-state/ (kept between runs), prints where each service is and the device's
 * console output prefixed, and stops cleanly on Ctrl-C or SIGTERM (servers closed; Storage is
 * written through, so nothing is lost).
 *
 *   --board <name>        board config (default sim)
 *   --bundle <file>       bundle to boot when Storage holds no program (default dist/<board>.js)
 *   --state <dir>         state folder (default .sim-state)
 *   --fresh               erase the state folder's Storage first: run the bundle, not a deployed program
 *   --port-offset <n>     host port = device port + n
 *   --ephemeral           free host ports
 *   --control <port>      HTTP fault control: POST /fault {"wifi":"drop"|"up","lowMemory":true,...}
 *   --seed <n>            seed of random splits and the analog signal
 *   --wifi-drop-after <s> drop Wi-Fi after s seconds (--wifi-down-for <s>, default 10; 0 = for good)
 *   --low-memory --slow-drain --split-random   faults from the start
 *   --fleet <n> --mqtt <url> N devices against one MQTT broker (simulator/fleet.ts), each with
 *                         its name, state folder <state>/fleet/<name> and free ports
 *   --fleet-name <base>   names <base>-01.. (default sim); --mqtt-prefix <p> the topic prefix
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildWeb } from "../scripts/build-web.ts";
import { loadDotEnv } from "../scripts/deploy/secrets.ts";
import { BoardConfigError, loadBoard } from "../board-configs/index.ts";
import { checkFleetWords, describeBroker, FLEET_MAX, parseMqttUrl, startFleet } from "./fleet.ts";
import { ensureBundle, REPO_ROOT, startSimulator, type SimulatorOptions } from "./index.ts";

const START_USAGE = `usage: npm start -- [options]

Runs the firmware in the simulator and prints where to reach each service.

  --board <name>          board config (default sim)
  --bundle <file>         bundle to boot when Storage holds no program (default dist/<board>.js)
  --state <dir>           state folder, kept between runs (default .sim-state)
  --fresh                 erase the state's Storage first: run the bundle, not a deployed program
  --port-offset <n>       host port = device port + n
  --ephemeral             free host ports
  --control <port>        HTTP fault control: POST /fault {"wifi":"drop"|"up","lowMemory":true,...}
  --seed <n>              seed of random splits and the analog signal
  --wifi-drop-after <s>   drop Wi-Fi after s seconds (--wifi-down-for <s>, default 10; 0 = for good)
  --low-memory --slow-drain --split-random   faults from the start
  --help                  this text

A fleet: N devices against one MQTT broker, each with its own name, state folder
(<state>/fleet/<name>) and free host ports, its Storage file mqtt naming the broker:

  --fleet <n>             how many devices (1..${FLEET_MAX}); needs --mqtt
  --mqtt <url>            the broker, mqtt://[user@]host[:port] (port 1883 by default; a user's
                          password from ESPFW_MQTT_PASSWORD or .env rather than the URL: ps shows it)
  --fleet-name <base>     device names <base>-01, <base>-02.. (default sim)
  --mqtt-prefix <p>       topic prefix (default espfw): topics <p>/<name>/status, sample, state..

  npm start -- --fleet 20 --mqtt mqtt://127.0.0.1:1883
  npm run harness -- fleet --mqtt mqtt://127.0.0.1:1883     # watch them

Exit codes: 0 stopped with Ctrl-C, 1 failed, 2 bad usage.
`;

type CliOptions = SimulatorOptions & {
  boardName: string;
  fresh?: boolean;
  fleet?: number;
  mqtt?: string;
  fleetName?: string;
  mqttPrefix?: string;
};

function parse(argv: string[]): CliOptions {
  const o: CliOptions = { boardName: "sim", faults: {} };
  const num = (i: number, flag: string): number => {
    const v = Number(argv[i]);
    if (argv[i] === undefined || !Number.isFinite(v)) throw new Error(`${flag} needs a number`);
    return v;
  };
  const str = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--fleet") {
      o.fleet = num(++i, a);
      if (!Number.isInteger(o.fleet) || o.fleet < 1 || o.fleet > FLEET_MAX) throw new Error(`--fleet wants 1..${FLEET_MAX} devices`);
    } else if (a === "--mqtt") o.mqtt = str(++i, a);
    else if (a === "--fleet-name") o.fleetName = str(++i, a);
    else if (a === "--mqtt-prefix") o.mqttPrefix = str(++i, a);
    else if (a === "--board") o.boardName = argv[++i];
    else if (a === "--bundle") o.bundle = argv[++i];
    else if (a === "--state") o.stateDir = argv[++i];
    else if (a === "--fresh") o.fresh = true;
    else if (a === "--port-offset") o.portOffset = num(++i, a);
    else if (a === "--ephemeral") o.ports = "ephemeral";
    else if (a === "--control") o.controlPort = num(++i, a);
    else if (a === "--seed") o.seed = num(++i, a);
    else if (a === "--wifi-drop-after") o.wifiDropAfter = num(++i, a);
    else if (a === "--wifi-down-for") o.wifiDownFor = num(++i, a);
    else if (a === "--low-memory") o.faults!.lowMemory = true;
    else if (a === "--slow-drain") o.faults!.slowDrain = true;
    else if (a === "--split-random") o.faults!.splitRandom = true;
    else if (a === "--help" || a === "-h") {
      process.stdout.write(START_USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  if (o.fleet === undefined) {
    if (o.mqtt !== undefined || o.fleetName !== undefined || o.mqttPrefix !== undefined) throw new Error("--mqtt, --fleet-name and --mqtt-prefix go with --fleet <n>");
  } else {
    if (o.mqtt === undefined) throw new Error("--fleet needs --mqtt <url>: the broker the devices connect to");
    // Checked here so that a bad URL is a bad command line (exit 2); the message never holds it.
    parseMqttUrl(o.mqtt);
    checkFleetWords(o.fleetName ?? "sim", o.mqttPrefix ?? "espfw");
    if (o.portOffset !== undefined || o.controlPort !== undefined) throw new Error("--port-offset and --control are for one device: each device of a fleet gets free ports");
  }
  return o;
}

function prefixer(prefix: string): (text: string) => void {
  let partial = "";
  return (text: string) => {
    partial += text.replace(/\r/g, "");
    let i: number;
    while ((i = partial.indexOf("\n")) >= 0) {
      process.stdout.write(`${prefix}${partial.slice(0, i)}\n`);
      partial = partial.slice(i + 1);
    }
  };
}

/** The Storage file (simulator/storage.ts keeps each as <hex of its name>.bin) of a program a deploy left, or null. */
function deployedProgram(stateDir: string): string | null {
  for (const name of [".bootrst", ".bootcde"]) if (existsSync(join(stateDir, "storage", Buffer.from(name, "latin1").toString("hex") + ".bin"))) return name;
  return null;
}

/** Stops `stop` on Ctrl-C or SIGTERM, then exits 0 (1 when stopping failed). */
function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\nsim: ${sig}, stopping\n`);
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
}

/** The web pages a deploy writes beside the bundle (built with it), as Storage manifests. */
function webManifests(): string[] {
  const webManifest = join(REPO_ROOT, "dist", "web", "manifest.json");
  if (!existsSync(webManifest)) buildWeb();
  return existsSync(webManifest) ? [webManifest] : [];
}

/** `--fleet <n> --mqtt <url>`: N devices, one line each, the broker's address without credentials. */
async function runFleet(o: SimulatorOptions & { boardName: string; fresh?: boolean; stateDir: string; n: number; mqtt: string; namePrefix?: string; prefix?: string }): Promise<void> {
  // A user's password from ESPFW_MQTT_PASSWORD, set or in .env, as the other commands read secrets.
  loadDotEnv();
  const broker = parseMqttUrl(o.mqtt, process.env);
  if (o.bundle === undefined) {
    const b = ensureBundle(o.boardName);
    if (b.built) process.stdout.write(`sim: built ${b.file}\n`);
  }
  const stateRoot = join(o.stateDir, "fleet");
  if (o.fresh) process.stdout.write(`sim: --fresh: erasing each device's Storage under ${stateRoot}\n`);
  const printers = new Map<string, (t: string) => void>();
  const fleet = await startFleet({
    n: o.n,
    mqtt: broker,
    namePrefix: o.namePrefix,
    prefix: o.prefix,
    stateRoot,
    fresh: o.fresh,
    seed: o.seed,
    sim: {
      board: o.boardName,
      bundle: o.bundle,
      faults: o.faults,
      wifiDropAfter: o.wifiDropAfter,
      wifiDownFor: o.wifiDownFor,
      storageManifests: webManifests(),
    },
    onConsole: (name, t) => {
      let p = printers.get(name);
      if (p === undefined) printers.set(name, (p = prefixer(`${name}| `)));
      p(t);
    },
    onLog: (name, l) => process.stdout.write(`sim: ${name}: ${l}\n`),
  });
  const first = fleet.devices[0].sim;
  const w = Math.max(...fleet.devices.map((d) => d.name.length));
  process.stdout.write(
    [
      `sim: a fleet of ${fleet.devices.length} ${first.board.name} devices (${first.board.espruino.build} ${first.board.espruino.version}) running ${first.bundle}, unless a device's Storage holds a deployed program`,
      `sim: MQTT broker ${describeBroker(broker)}, topics ${fleet.prefix}/<name>/...`,
      `sim: state (Storage) in ${stateRoot}/<name>`,
      ...fleet.devices.map((d) => `sim:   ${d.name.padEnd(w)}  http ${d.sim.ports.http}  line ${d.sim.ports.line}  echo ${d.sim.ports.echo}  console ${d.sim.ports.console}`),
      `sim: watch them: npm run harness -- fleet --mqtt ${describeBroker({ host: broker.host, port: broker.port })}${fleet.prefix !== "espfw" ? ` --prefix ${fleet.prefix}` : ""}`,
      "sim: Ctrl-C stops",
      "",
    ].join("\n"),
  );
  stopOnSignals(() => fleet.stop());
}

async function main(): Promise<void> {
  let parsed: CliOptions;
  try {
    parsed = parse(process.argv.slice(2));
    loadBoard(parsed.boardName);
  } catch (e) {
    process.stderr.write(`sim: ${(e as Error).message}\n\n${START_USAGE}`);
    process.exit(2);
  }
  const { fresh, fleet, mqtt, fleetName, mqttPrefix, ...o } = parsed;
  const stateDir = o.stateDir ?? join(REPO_ROOT, ".sim-state");
  if (fleet !== undefined) return runFleet({ ...o, fresh, stateDir, n: fleet, mqtt: mqtt!, namePrefix: fleetName, prefix: mqttPrefix });
  if (fresh) {
    // The state's Storage (what a deploy or the console saved), not the folder the user named.
    rmSync(join(stateDir, "storage"), { recursive: true, force: true });
    rmSync(join(stateDir, "storage-trash.json"), { force: true });
    process.stdout.write(`sim: --fresh: erased the Storage in ${stateDir}\n`);
  }
  const deployed = deployedProgram(stateDir);
  if (o.bundle === undefined) {
    const b = ensureBundle(o.boardName);
    if (b.built) process.stdout.write(`sim: built ${b.file}\n`);
  }
  // What a deploy writes beside the bundle: the web pages (built with the bundle).
  const sim = await startSimulator({
    ...o,
    storageManifests: webManifests(),
    board: o.boardName,
    stateDir,
    onConsole: prefixer("device| "),
    onLog: (l) => process.stdout.write(`sim: ${l}\n`),
  });
  const p = sim.ports;
  process.stdout.write(
    [
      deployed === null
        ? `sim: ${sim.board.name} (${sim.board.espruino.build} ${sim.board.espruino.version}) running ${sim.bundle}`
        : `sim: ${sim.board.name} (${sim.board.espruino.build} ${sim.board.espruino.version}) running the program deployed to its Storage (${deployed}), not ${sim.bundle}: \`npm start -- --fresh\` runs the bundle`,
      `sim: state (Storage) in ${sim.stateDir}`,
      `sim:   web            http://127.0.0.1:${p.http}/`,
      `sim:   echo           tcp+udp 127.0.0.1:${p.echo}`,
      `sim:   line protocol  telnet 127.0.0.1 ${p.line}`,
      `sim:   console (REPL) telnet 127.0.0.1 ${p.console}   (espruino --port tcp://127.0.0.1:${p.console})`,
      sim.controlPort !== undefined ? `sim:   faults         curl -d '{"wifi":"drop"}' http://127.0.0.1:${sim.controlPort}/fault` : "",
      "sim: Ctrl-C stops",
      "",
    ]
      .filter((l, i, a) => l !== "" || i === a.length - 1)
      .join("\n"),
  );
  stopOnSignals(() => sim.stop());
}

main().catch((e: unknown) => {
  process.stderr.write(`sim: ${e instanceof BoardConfigError ? e.message : (e as Error).stack ?? e}\n`);
  // A board that does not exist is a bad command line, as in every command (README, "Exit codes").
  process.exit(e instanceof BoardConfigError && e.code === "EUNKNOWNBOARD" ? 2 : 1);
});

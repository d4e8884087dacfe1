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
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildWeb } from "../scripts/build-web.ts";
import { BoardConfigError, loadBoard } from "../board-configs/index.ts";
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

Exit codes: 0 stopped with Ctrl-C, 1 failed, 2 bad usage.
`;

type CliOptions = SimulatorOptions & { boardName: string; fresh?: boolean };

function parse(argv: string[]): CliOptions {
  const o: CliOptions = { boardName: "sim", faults: {} };
  const num = (i: number, flag: string): number => {
    const v = Number(argv[i]);
    if (argv[i] === undefined || !Number.isFinite(v)) throw new Error(`${flag} needs a number`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--board") o.boardName = argv[++i];
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

async function main(): Promise<void> {
  let parsed: CliOptions;
  try {
    parsed = parse(process.argv.slice(2));
    loadBoard(parsed.boardName);
  } catch (e) {
    process.stderr.write(`sim: ${(e as Error).message}\n\n${START_USAGE}`);
    process.exit(2);
  }
  const { fresh, ...o } = parsed;
  const stateDir = o.stateDir ?? join(REPO_ROOT, ".sim-state");
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
  const webManifest = join(REPO_ROOT, "dist", "web", "manifest.json");
  if (!existsSync(webManifest)) buildWeb();
  const sim = await startSimulator({
    ...o,
    storageManifests: existsSync(webManifest) ? [webManifest] : [],
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
  let stopping = false;
  const stop = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\nsim: ${sig}, stopping\n`);
    sim.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((e: unknown) => {
  process.stderr.write(`sim: ${e instanceof BoardConfigError ? e.message : (e as Error).stack ?? e}\n`);
  // A board that does not exist is a bad command line, as in every command (README, "Exit codes").
  process.exit(e instanceof BoardConfigError && e.code === "EUNKNOWNBOARD" ? 2 : 1);
});

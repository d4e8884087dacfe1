/*
 * The simulator as a library: startSimulator(opts) boots a board's bundle (or Storage's
 * `.bootcde`) in an emulated Espruino and returns a handle with the host ports it listens on,
 * its state folder, the fault controls, the LED and pins, the console output, and stop().
 * Several can run at once with `ports: "ephemeral"` or a `portOffset`. See README.md.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadBoard } from "../board-configs/index.ts";
import type { BoardConfig } from "../board-configs/schema.ts";
import type { Chip, ChipStats } from "./chip.ts";
import { ConsoleServer } from "./console-repl.ts";
import { Device } from "./device.ts";
import { PinBank } from "./pins.ts";
import { PortMap, type PortMode } from "./port-map.ts";
import { DEFAULT_MEMORY_MODEL, type Faults, type MemoryModelOptions, SocketBudget } from "./resources.ts";
import { createRng } from "./rng.ts";
import { FlashStore } from "./storage.ts";
import { DEFAULT_NETWORKS, type SimNetwork, WifiRadio } from "./wifi.ts";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface FaultRequest {
  /** "drop": the network goes out of range; "up": it comes back (the station reconnects). */
  wifi?: "drop" | "up";
  lowMemory?: boolean;
  slowDrain?: boolean;
  splitRandom?: boolean;
}

export interface FaultState {
  wifi: "up" | "down";
  station: string;
  lowMemory: boolean;
  slowDrain: boolean;
  splitRandom: boolean;
}

export interface SimulatorOptions {
  /** Board config name (default "sim"). */
  board?: string;
  /** Bundle to boot when Storage holds no program (default dist/<board>.js). */
  bundle?: string;
  /** Folder for Storage (default a `.sim-state` folder in the repo). */
  stateDir?: string;
  /** Host ports: the device's own numbers (default), "ephemeral" (free ports), or plus an offset. */
  ports?: "same" | "ephemeral";
  portOffset?: number;
  /** Host address to bind (default 127.0.0.1). */
  bindAddress?: string;
  /** Seed of every random choice (default 1). */
  seed?: number;
  faults?: Partial<Faults> & { wifiDown?: boolean };
  /** Drop Wi-Fi this many seconds after start, for `wifiDownFor` seconds (default 10; 0: for good). */
  wifiDropAfter?: number;
  wifiDownFor?: number;
  /** Delay between sent chunks with the slow-drain fault (default 50 ms). */
  slowDrainMs?: number;
  /** Networks in range of the simulated radio (default: "SimNet", password "simulator", and one more). */
  networks?: SimNetwork[];
  /** Station connects to this network at power-on when `.wificfg` does not say otherwise (default: the first network). */
  defaultNetwork?: { ssid: string; password: string } | null;
  memoryModel?: Partial<MemoryModelOptions>;
  /** Build the bundle first when it is missing or older than the sources (default false). */
  build?: boolean;
  /**
   * Manifests of Storage files to write before power-on, as a deploy writes them beside the
   * bundle (`{files:[{name,file}]}`, files relative to the manifest; dist/web/manifest.json).
   * A file already in Storage with the same content is left alone.
   */
  storageManifests?: string[];
  /** Start the HTTP fault control on this port (0: a free port); off when undefined. */
  controlPort?: number;
  /** Receives everything the device prints on its console. */
  onConsole?: (text: string) => void;
  /** Receives what goes to the serial console (no console client attached). */
  onSerial?: (text: string) => void;
  /** Receives the simulator's own log lines. */
  onLog?: (line: string) => void;
}

export interface SimulatorHandle {
  board: BoardConfig;
  stateDir: string;
  bundle: string;
  /** Host ports of the board's services. */
  ports: { http: number; echo: number; line: number; console: number };
  /** Host port of any device port the firmware listens on (undefined until it does). */
  hostPort(devicePort: number): number | undefined;
  portMap(): Record<number, number>;
  controlPort: number | undefined;
  fault(req: FaultRequest): FaultState;
  faults(): FaultState;
  /** The LED: its pin's level and whether it is lit (active-low boards light at 0). */
  led(): { pin: string | null; level: number; on: boolean };
  pinLevel(pin: number): number;
  /** Everything the device printed on its console so far (CR LF line ends). */
  consoleOutput(): string;
  /** Resolves once the console output contains `text` (rejects after `timeoutMs`). */
  waitForConsole(text: string, timeoutMs?: number): Promise<void>;
  sockets(): { used: number; total: number };
  stats: ChipStats;
  /** Runs code in the device's global scope (as if typed at the console) and returns its value. */
  evaluate(code: string): unknown;
  /** Power-cycles the device (Storage is kept). */
  reboot(): Promise<void>;
  stop(): Promise<void>;
}

/** Newest modification time of any file under `p`. */
function newest(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const e of readdirSync(p)) t = Math.max(t, newest(join(p, e)));
  return t;
}

/** Builds dist/<board>.js with scripts/build.ts when it is missing or older than its sources. */
export function ensureBundle(board: string): { file: string; built: boolean } {
  const file = join(REPO_ROOT, "dist", `${board}.js`);
  const sources = Math.max(
    newest(join(REPO_ROOT, "firmware")),
    newest(join(REPO_ROOT, "lib")),
    newest(join(REPO_ROOT, "board-configs", `${board}.json`)),
    newest(join(REPO_ROOT, "scripts", "board-module.ts")),
  );
  if (existsSync(file) && statSync(file).mtimeMs >= sources) return { file, built: false };
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/build.ts", "--board", board], { cwd: REPO_ROOT, encoding: "utf8" });
  if (!existsSync(file)) throw new Error(`building ${board} failed:\n${r.stdout}${r.stderr}`);
  return { file, built: true };
}

/** Writes the files a manifest lists into Storage, skipping those already there unchanged. */
export function installManifest(store: FlashStore, manifestPath: string, log: (line: string) => void): number {
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { files: Array<{ name: string; file: string }> };
  let written = 0;
  for (const f of manifest.files) {
    const data = readFileSync(join(dirname(manifestPath), f.file)).toString("latin1");
    if (store.read(f.name) === data) continue;
    if (!store.write(f.name, data, undefined, undefined)) throw new Error(`Storage is full writing ${f.name} from ${manifestPath}`);
    written++;
  }
  if (written > 0) log(`wrote ${written} Storage file(s) from ${manifestPath}`);
  return written;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const board = loadBoard(opts.board ?? "sim");
  const bundle = resolve(opts.bundle ?? (opts.build ? ensureBundle(board.name).file : join(REPO_ROOT, "dist", `${board.name}.js`)));
  if (!existsSync(bundle)) throw new Error(`no bundle at ${bundle} (run: npx tsx scripts/build.ts --board ${board.name})`);
  const stateDir = resolve(opts.stateDir ?? join(REPO_ROOT, ".sim-state"));
  mkdirSync(stateDir, { recursive: true });
  const bindAddress = opts.bindAddress ?? "127.0.0.1";
  const mode: PortMode =
    opts.ports === "ephemeral" ? { kind: "ephemeral" } : opts.portOffset ? { kind: "offset", offset: opts.portOffset } : { kind: "same" };
  const portMap = new PortMap(mode);
  const boardPorts = [board.ports.http, board.ports.echo, board.ports.line, board.ports.console];
  await portMap.reserve(boardPorts, bindAddress);

  const log = opts.onLog ?? (() => {});
  const rng = createRng(opts.seed ?? 1);
  const store = new FlashStore(stateDir, board.storageBytes);
  const radio = new WifiRadio(store, opts.networks ?? DEFAULT_NETWORKS, bindAddress);
  const faults: Faults = {
    lowMemory: opts.faults?.lowMemory ?? false,
    slowDrain: opts.faults?.slowDrain ?? false,
    splitRandom: opts.faults?.splitRandom ?? false,
  };
  const chip: Chip = {
    board,
    budget: new SocketBudget(board.socketBudget),
    faults,
    rng,
    ports: portMap,
    bindAddress,
    slowDrainMs: opts.slowDrainMs ?? 50,
    linkUp: () => !board.wifi || radio.linkUp(),
    onLinkUp: new Set(),
    open: new Set(),
    binds: { count: 0 },
    stats: { inboundRefused: 0, udpDropped: 0 },
    log,
  };
  radio.onLinkUp = () => {
    for (const f of Array.from(chip.onLinkUp)) f();
  };
  const pins = new PinBank(rng);
  let consoleText = "";
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const firmwareVersion = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
  const dev = new Device({
    board,
    chip,
    store,
    radio,
    pins,
    bundlePath: bundle,
    firmwareVersion,
    memoryModel: { ...DEFAULT_MEMORY_MODEL, ...opts.memoryModel },
    onConsole: (t) => {
      consoleText += t;
      if (consoleText.length > 1 << 20) consoleText = consoleText.slice(-(1 << 19));
      opts.onConsole?.(t);
      for (const w of waiters.slice()) {
        if (consoleText.indexOf(w.text) >= 0) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    },
    onSerial: (t) => opts.onSerial?.(t),
  });
  const consoleServer = new ConsoleServer(dev, chip, board.ports.console);
  dev.console = consoleServer;
  await consoleServer.start();

  // A fresh simulated device comes provisioned for the default network (as `Wifi.save()` leaves it).
  if (board.wifi && opts.defaultNetwork !== null && store.read(".wificfg") === undefined && store.names().length === 0) {
    const net = opts.defaultNetwork ?? { ssid: radio.networks[0].ssid, password: radio.networks[0].password };
    store.write(".wificfg", JSON.stringify({ mode: "sta", ssid: net.ssid, password: net.password }), undefined, undefined);
  }
  for (const m of opts.storageManifests ?? []) installManifest(store, m, log);
  if (opts.faults?.wifiDown) radio.drop();
  dev.boot("power");

  const settle = async (): Promise<void> => {
    const until = Date.now() + 3000;
    while (Date.now() < until && (chip.binds.count > 0 || radio.status === "connecting") && !(opts.faults?.wifiDown)) {
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await settle();

  const timers: NodeJS.Timeout[] = [];
  if (opts.wifiDropAfter !== undefined) {
    timers.push(
      setTimeout(() => {
        radio.drop();
        log("fault: wifi dropped");
        const downFor = opts.wifiDownFor ?? 10;
        if (downFor > 0) {
          timers.push(
            setTimeout(() => {
              radio.restore();
              log("fault: wifi back");
            }, downFor * 1000),
          );
        }
      }, opts.wifiDropAfter * 1000),
    );
  }

  const faultState = (): FaultState => ({
    wifi: radio.outOfRange ? "down" : "up",
    station: radio.status,
    lowMemory: faults.lowMemory,
    slowDrain: faults.slowDrain,
    splitRandom: faults.splitRandom,
  });
  const fault = (req: FaultRequest): FaultState => {
    if (req.wifi === "drop") radio.drop();
    if (req.wifi === "up") radio.restore();
    if (req.lowMemory !== undefined) faults.lowMemory = Boolean(req.lowMemory);
    if (req.slowDrain !== undefined) faults.slowDrain = Boolean(req.slowDrain);
    if (req.splitRandom !== undefined) faults.splitRandom = Boolean(req.splitRandom);
    log(`fault: ${JSON.stringify(req)}`);
    return faultState();
  };

  const ledPin = board.pins.led === null ? NaN : PinBank.parse(board.pins.led);
  const handle: SimulatorHandle = {
    board,
    stateDir,
    bundle,
    ports: {
      http: portMap.resolve(board.ports.http),
      echo: portMap.resolve(board.ports.echo),
      line: portMap.resolve(board.ports.line),
      console: portMap.resolve(board.ports.console),
    },
    hostPort: (p) => portMap.entries()[p],
    portMap: () => portMap.entries(),
    controlPort: undefined,
    fault,
    faults: faultState,
    led: () => {
      const level = Number.isNaN(ledPin) ? 0 : pins.levels[ledPin];
      return { pin: board.pins.led, level, on: board.pins.ledActiveLow ? level === 0 : level === 1 };
    },
    pinLevel: (p) => pins.levels[p],
    consoleOutput: () => consoleText,
    waitForConsole: (text, timeoutMs = 5000) =>
      new Promise<void>((res, rej) => {
        if (consoleText.indexOf(text) >= 0) return res();
        const w = { text, resolve: () => { clearTimeout(t); res(); } };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          rej(new Error(`console never showed ${JSON.stringify(text)}; it has:\n${consoleText.slice(-2000)}`));
        }, timeoutMs);
        waiters.push(w);
      }),
    sockets: () => ({ used: chip.budget.used, total: chip.budget.total }),
    stats: chip.stats,
    evaluate: (code) => {
      const r = dev.evalLine(code);
      return r.ok ? r.value : undefined;
    },
    reboot: async () => {
      radio.powerOff();
      dev.boot("power");
      await settle();
    },
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      if (control) await new Promise<void>((r) => control!.close(() => r()));
      dev.life.E?.emit("kill");
      dev.life.kill();
      radio.stop();
      portMap.releaseAll();
      await consoleServer.stop();
    },
  };

  let control: HttpServer | undefined;
  if (opts.controlPort !== undefined) {
    control = createHttpServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString("utf8")));
      req.on("end", () => {
        const reply = (code: number, obj: unknown): void => {
          res.writeHead(code, { "Content-Type": "application/json" });
          res.end(JSON.stringify(obj) + "\n");
        };
        try {
          if (req.method === "POST" && req.url === "/fault") return reply(200, fault(JSON.parse(body || "{}") as FaultRequest));
          if (req.method === "GET" && (req.url === "/state" || req.url === "/fault")) {
            return reply(200, { faults: faultState(), ports: portMap.entries(), sockets: handle.sockets(), led: handle.led(), stats: chip.stats });
          }
          if (req.method === "POST" && req.url === "/reboot") {
            void handle.reboot().then(() => reply(200, { rebooted: true }));
            return;
          }
          reply(404, { error: "POST /fault {wifi,lowMemory,slowDrain,splitRandom}, GET /state, POST /reboot" });
        } catch (e) {
          reply(400, { error: (e as Error).message });
        }
      });
    });
    await new Promise<void>((r) => control!.listen(opts.controlPort, "127.0.0.1", () => r()));
    handle.controlPort = (control.address() as AddressInfo).port;
  }
  return handle;
}

/*
 * Targets: what the harness drives. A target is only an address, the ports of its services and
 * a way to start and stop it: the same harness code serves every tier (docs/HARNESS.md).
 *   sim     starts the simulator in this process on free ports with a temporary state folder
 *           holding what a deploy writes (the web pages; the control token when one is given)
 *   linux   starts Espruino's Linux interpreter ($ESPRUINO_BIN) in a temporary folder, with the
 *           bundle written to Storage as `.bootcde` the way a deploy leaves it (with the web pages
 *           and the token), then booted
 *   <addr>  a live board at that address, with the ports of its board config (--board)
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { loadBoard } from "../board-configs/index.ts";
import type { BoardConfig, BoardPorts } from "../board-configs/schema.ts";
import { HarnessError, messageOf } from "./errors.ts";
import { connectTcp, type Endpoint, sleep } from "./tcp.ts";

export type ServiceName = "http" | "echo" | "line" | "console";

export interface Target {
  /** `sim`, `linux` or the address given. */
  name: string;
  kind: "sim" | "linux" | "address";
  host: string;
  ports: BoardPorts;
  board: BoardConfig;
  /** The control token, when the device has one. */
  token?: string;
  /** True when the harness and the device share this machine (no radio between them). */
  local: boolean;
  /** Log lines of the device's console, when the harness started it (sim, linux). */
  consoleLog(): string;
  endpoint(service: ServiceName): Endpoint;
  stop(): Promise<void>;
  /** Why the target is gone (an interpreter that exited), or null while it runs. */
  exited?(): string | null;
  /** The simulator's HTTP fault control port (simulator/README.md), for the sim target only. */
  simControlPort?: number;
}

export interface TargetOptions {
  board?: string;
  token?: string;
  bundle?: string;
  /** Folder of the web pages' Storage files (default dist/web), written by the linux target. */
  webDir?: string;
  /** More Storage files for the linux target (a configuration such as `mqtt`), written after the web pages. */
  storageFiles?: Array<{ name: string; path: string }>;
  connectTimeout?: number;
  env?: Record<string, string | undefined>;
  /** Extra options handed to startSimulator (faults and so on). */
  simOptions?: Record<string, unknown>;
}

function makeEndpoint(host: string, ports: BoardPorts, service: ServiceName): Endpoint {
  return { host, port: ports[service], service };
}

const IPV4 = /^[0-9]{1,3}(\.[0-9]{1,3}){3}$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** A free TCP port on 127.0.0.1 (released before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.unref();
    s.on("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => res(p));
    });
  });
}

/** Waits until `ep` accepts a TCP connection. */
export async function waitForPort(ep: Endpoint, timeoutMs: number, isAlive: () => string | null = () => null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const dead = isAlive();
    if (dead !== null) throw new HarnessError("ETARGET", dead);
    try {
      const s = await connectTcp(ep, 500);
      s.destroy();
      return;
    } catch (e) {
      last = messageOf(e);
    }
    await sleep(100);
  }
  throw new HarnessError("ETARGET", `the target did not come up in ${timeoutMs} ms: ${last}`);
}

function addressTarget(address: string, opts: TargetOptions): Target {
  if (!IPV4.test(address) && !HOSTNAME.test(address)) {
    throw new HarnessError("EUSAGE", `--target "${address}" is neither sim, linux, nor an address`);
  }
  const board = loadBoard(opts.board ?? "nodemcu");
  const ports = { ...board.ports };
  return {
    name: address,
    kind: "address",
    host: address,
    ports,
    board,
    token: opts.token,
    local: address === "127.0.0.1" || address === "localhost",
    consoleLog: () => "",
    endpoint(service) {
      return makeEndpoint(address, ports, service);
    },
    async stop() {},
  };
}

async function simTarget(opts: TargetOptions): Promise<Target> {
  const board = loadBoard("sim");
  const bundle = resolve(opts.bundle ?? "dist/sim.js");
  if (!existsSync(bundle)) throw new HarnessError("ETARGET", `no bundle at ${bundle}: run npm run build -- --board sim`);
  const simPath = resolve("simulator/index.ts");
  if (!existsSync(simPath)) throw new HarnessError("ETARGET", "the simulator is not there yet (simulator/index.ts)");
  const stateDir = mkdtempSync(join(tmpdir(), "espfw-harness-sim-"));
  // Storage as a deploy leaves it: the web pages of dist/web (the bundle itself boots from `bundle`).
  const web = webStorageFiles(resolve(opts.webDir ?? "dist/web"));
  if (web.length > 0 || opts.token) {
    const storagePath = resolve("simulator/storage.ts");
    const st = (await import(pathToFileURL(storagePath).href)) as { FlashStore?: new (dir: string, cap: number) => { write(n: string, d: string, o: undefined, s: undefined): boolean } };
    if (st.FlashStore) {
      const store = new st.FlashStore(stateDir, board.storageBytes);
      for (const f of web) {
        if (!store.write(f.name, readFileSync(f.path).toString("latin1"), undefined, undefined)) {
          throw new HarnessError("ETARGET", `the simulator's Storage refused ${f.name}`);
        }
      }
      if (opts.token) store.write(TOKEN_STORAGE_FILE, opts.token, undefined, undefined);
    }
  }
  // The simulator runs in a child process (sim-child.ts), so that its timers keep their own pace.
  const out: string[] = [];
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", resolve("test-host/sim-child.ts"), JSON.stringify({ board: "sim", bundle, stateDir, ports: "ephemeral", controlPort: 0, ...opts.simOptions })], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let exited: string | null = null;
  let stopping = false;
  child.on("exit", (code, sig) => {
    if (!stopping) exited = `the simulator exited (${sig ?? code}); its console ended with: ${out.join("").slice(-600)}`;
  });
  child.stderr?.on("data", (d: Buffer) => {
    if (out.length < 20000) out.push(d.toString("latin1"));
  });
  const stop = async (): Promise<void> => {
    stopping = true;
    await stopChild(child, 3000);
    rmSync(stateDir, { recursive: true, force: true });
  };
  let info: { ports: Partial<BoardPorts>; controlPort: number | null };
  try {
    info = await new Promise((res, rej) => {
      let buf = "";
      const t = setTimeout(() => rej(new HarnessError("ETARGET", `the simulator did not start in 20 s: ${out.join("").slice(-400)}`)), 20000);
      child.stdout?.on("data", (d: Buffer) => {
        buf += d.toString("utf8");
        const m = /HARNESS-SIM (\{.*\})\n/.exec(buf);
        if (m) {
          clearTimeout(t);
          res(JSON.parse(m[1]) as { ports: Partial<BoardPorts>; controlPort: number | null });
        }
      });
      child.on("exit", () => {
        clearTimeout(t);
        rej(new HarnessError("ETARGET", `the simulator did not start: ${out.join("").slice(-600)}`));
      });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  const mapped = info.ports;
  const ports: BoardPorts = {
    http: mapped.http ?? board.ports.http,
    echo: mapped.echo ?? board.ports.echo,
    line: mapped.line ?? board.ports.line,
    console: mapped.console ?? board.ports.console,
  };
  return {
    name: "sim",
    kind: "sim",
    host: "127.0.0.1",
    ports,
    board,
    token: opts.token,
    local: true,
    consoleLog: () => out.join(""),
    exited: () => exited,
    simControlPort: info.controlPort ?? undefined,
    endpoint(service) {
      return makeEndpoint("127.0.0.1", ports, service);
    },
    stop,
  };
}

/** Storage file of the control token, as deploy provisions it (firmware/platform/token-store.ts). */
export const TOKEN_STORAGE_FILE = "token";

/** Storage files a deploy writes besides the bundle: the web pages of dist/web (manifest.json). */
export function webStorageFiles(webDir: string): Array<{ name: string; path: string }> {
  const manifest = join(webDir, "manifest.json");
  if (!existsSync(manifest)) return [];
  const m = JSON.parse(readFileSync(manifest, "utf8")) as { files?: Array<{ name: string; file: string }> };
  return (m.files ?? []).map((f) => ({ name: f.name, path: join(webDir, f.file) }));
}

/** The setup script the interpreter runs once: Storage erased, the files written, the bundle as `.bootcde`. */
export function linuxSetupScript(bundleFile: string, files: Array<{ name: string; path: string }> = [], token?: string): string {
  // Files are copied 256 bytes at a time: the interpreter has only 1600 variables.
  const lines = [
    'var s = require("Storage");',
    'var fs = require("fs");',
    "function put(name, path) {",
    "  var size = fs.statSync(path).size;",
    '  var f = E.openFile(path, "r");',
    "  var off = 0;",
    "  while (off < size) {",
    "    var d = f.read(256);",
    "    if (!d) break;",
    "    s.write(name, d, off, size);",
    "    off += d.length;",
    "  }",
    "  f.close();",
    '  if (off !== size) throw new Error("copied " + off + " of " + size + " bytes of " + path);',
    "}",
    "s.eraseAll();",
  ];
  for (const f of files) lines.push(`put(${JSON.stringify(f.name)}, ${JSON.stringify(f.path)});`);
  if (token) lines.push(`s.write(${JSON.stringify(TOKEN_STORAGE_FILE)}, ${JSON.stringify(token)});`);
  lines.push(`put(".bootcde", ${JSON.stringify(bundleFile)});`);
  lines.push('print("HARNESS-SETUP-OK " + s.list().length);');
  return lines.join("\n");
}

async function linuxTarget(opts: TargetOptions): Promise<Target> {
  const env = opts.env ?? process.env;
  const bin = env.ESPRUINO_BIN;
  if (!bin) {
    throw new HarnessError("ETARGET", "ESPRUINO_BIN is not set: point it at a build of Espruino's Linux interpreter (see docs/HARNESS.md) to use --target linux");
  }
  if (!existsSync(bin)) throw new HarnessError("ETARGET", `ESPRUINO_BIN=${bin}: no such file`);
  const board = loadBoard("linux");
  const bundle = resolve(opts.bundle ?? "dist/linux.js");
  if (!existsSync(bundle)) throw new HarnessError("ETARGET", `no bundle at ${bundle}: run npm run build -- --board linux`);
  // The bundle's ports are fixed by its board config, so a port already taken means another run.
  for (const service of ["line", "echo", "http"] as const) {
    const busy = await connectTcp({ host: "127.0.0.1", port: board.ports[service], service }, 300).then(
      (s) => (s.destroy(), true),
      () => false,
    );
    if (busy) throw new HarnessError("ETARGET", `port ${board.ports[service]} (${service}) is already in use on 127.0.0.1: is another interpreter or simulator running?`);
  }
  const dir = mkdtempSync(join(tmpdir(), "espfw-harness-linux-"));
  writeFileSync(join(dir, "bundle.js"), readFileSync(bundle));
  writeFileSync(join(dir, "setup.js"), linuxSetupScript("bundle.js", [...webStorageFiles(resolve(opts.webDir ?? "dist/web")), ...(opts.storageFiles ?? [])], opts.token));
  const setup = spawnSync(bin, ["setup.js"], { cwd: dir, input: "", timeout: 20000, encoding: "latin1" });
  if (setup.status !== 0 || !(setup.stdout ?? "").includes("HARNESS-SETUP-OK")) {
    rmSync(dir, { recursive: true, force: true });
    throw new HarnessError("ETARGET", `writing the bundle to Storage failed (exit ${setup.status}): ${(setup.stdout + setup.stderr).slice(-400)}`);
  }
  const out: string[] = [];
  // A console on a pipe that never sends: Espruino boots .bootcde from ./espruino.flash and its REPL waits.
  const child: ChildProcess = spawn(bin, ["--telnet", "-e", "1"], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
  let exited: string | null = null;
  let stopping = false;
  child.on("exit", (code, sig) => {
    if (!stopping) exited = `the interpreter exited (${sig ?? code}); its console ended with: ${out.join("").replace(/[^\x20-\x7e\n]/g, "").slice(-600)}`;
  });
  const keep = (d: Buffer): void => {
    if (out.length < 10000) out.push(d.toString("latin1"));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const stop = async (): Promise<void> => {
    stopping = true;
    await stopChild(child, 2000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Every listener starts in the same tick of the firmware's boot, so echo answering means all do.
    await waitForPort({ host: "127.0.0.1", port: board.ports.echo, service: "echo" }, 15000, () => exited);
  } catch (e) {
    await stop();
    throw e;
  }
  const ports = { ...board.ports };
  return {
    name: "linux",
    kind: "linux",
    host: "127.0.0.1",
    ports,
    board,
    token: opts.token,
    local: true,
    consoleLog: () => out.join(""),
    exited: () => exited,
    endpoint(service) {
      return makeEndpoint("127.0.0.1", ports, service);
    },
    stop,
  };
}

/** Resolves and starts the target named by `--target`. */
export async function openTarget(name: string, opts: TargetOptions = {}): Promise<Target> {
  if (name === "sim") return simTarget(opts);
  if (name === "linux") return linuxTarget(opts);
  return addressTarget(name, opts);
}

/** Sockets the board leaves for clients at once: budget minus listeners, the UDP socket, the console and the reserve. */
export function clientSockets(board: BoardConfig): number {
  const listeners = 3; // http, echo, line
  const udp = 1; // the echo's UDP socket
  const consoleSockets = board.console === "off" ? 0 : 1;
  const reserve = 1;
  return Math.max(1, board.socketBudget - listeners - udp - consoleSockets - reserve);
}

/** Stops a child process: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await gone;
  clearTimeout(t);
}

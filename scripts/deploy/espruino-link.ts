/*
 * A connection to an Espruino console (USB serial or the telnet console over Wi-Fi) through the
 * `espruino` package's Node API: its transports (serial_node_serial, serial_node_socket), its
 * paced writer (Espruino.Core.Serial.write, which splits and throttles uploads the way the IDE
 * does) and its expression evaluator (Espruino.Core.Utils.executeExpression, the `< <<`/`>> >`
 * markers). Chosen over driving the CLI as a child process because the CLI exits 0 even when it
 * cannot connect, prints everything it sends (secrets included) and downloads board files and
 * modules from the Internet on connect; here each command's answer is checked.
 *
 * Limits: one link per process (the package keeps its state in a global); everything the
 * package prints goes through the quiet console installed by `installQuietConsole`, so nothing
 * it logs (it logs every chunk it sends) reaches the terminal unless --verbose, and then redacted.
 */
import { createRequire } from "node:module";
import net from "node:net";
import { format } from "node:util";
import { DeployError } from "./errors.ts";
import type { Redactor } from "./secrets.ts";

/* The small part of the package's global `Espruino` object this module uses. */
interface EspruinoTools {
  Config: Record<string, unknown>;
  Core: {
    Serial: {
      open(port: string, onOpen: (info: unknown) => void, onClose: () => void): void;
      close(): void;
      isConnected(): boolean;
      startListening(cb: ((data: ArrayBuffer) => void) | undefined): ((data: ArrayBuffer | string) => void) | undefined;
      write(data: string, showStatus: boolean, cb?: () => void): void;
      setSlowWrite(on: boolean, force?: boolean): void;
      connection: { write(data: string): Promise<void> };
    };
    Utils: {
      executeExpression(expr: string, cb: (result: string | undefined) => void, opts?: { minTimeout?: number; maxTimeout?: number }): void;
    };
    Notifications: Record<string, (msg: string) => void>;
    Status: Record<string, (...args: unknown[]) => unknown>;
  };
}

export interface LinkOptions {
  /** Skip the IDE's per-write pacing (fine on the simulator and a quiet LAN; keep it for USB serial). */
  fast?: boolean;
  /** How long to wait for the console to open, in ms. */
  connectTimeoutMs?: number;
  /** Called with each chunk of device output that is not an answer (already redacted). */
  onOutput?: (text: string) => void;
  redact: Redactor;
}

export interface ConsoleLink {
  /** Evaluates `expr` on the device; resolves with its value (JSON round-trip), throws EDEVICE with the device's error. */
  evaluate(expr: string, opts?: { timeoutMs?: number; what?: string }): Promise<unknown>;
  /** Sends raw console text (say `\x10load()\n`) and resolves once it has been written. */
  send(raw: string): Promise<void>;
  /** If the console shows `password>`, enters `password` (ELOCKED without one or when it is refused). */
  unlock(password: string | undefined): Promise<void>;
  /** The last bytes the device printed (redacted), for error messages. */
  transcript(): string;
  /** True once the device closed the connection. */
  closed(): boolean;
  close(): Promise<void>;
}

let quietInstalled = false;

/**
 * Routes console.log/info/warn/error (which the `espruino` package uses for everything) to
 * stderr only when verbose, and always through the redactor. The tools print with
 * process.stdout/stderr.write directly.
 */
export function installQuietConsole(redact: Redactor, verbose: boolean): void {
  if (quietInstalled) return;
  quietInstalled = true;
  const sink = (...args: unknown[]) => {
    if (verbose) process.stderr.write("  [espruino] " + redact(format(...args)) + "\n");
  };
  console.log = sink;
  console.info = sink;
  console.warn = sink;
  console.error = sink;
  console.debug = sink;
}

let tools: EspruinoTools | undefined;

function loadTools(): Promise<EspruinoTools> {
  if (tools) return Promise.resolve(tools);
  const require = createRequire(import.meta.url);
  const pkg = require("espruino") as { init(cb: () => void): void };
  return new Promise((resolve) => {
    pkg.init(() => {
      tools = (globalThis as unknown as { Espruino: EspruinoTools }).Espruino;
      const noop = () => undefined;
      tools.Core.Notifications = { success: noop, error: (m) => console.error(m), warning: (m) => console.warn(m), info: noop };
      tools.Core.Status = { setStatus: noop, hasProgress: () => false, incrementProgress: noop };
      resolve(tools);
    });
  });
}

/** Host and TCP port of a `tcp://host[:port]` console address (port 23 by default). */
export function parseTcpPort(port: string): { host: string; port: number } | null {
  if (!port.startsWith("tcp://")) return null;
  const rest = port.slice("tcp://".length).replace(/\/+$/, "");
  const i = rest.lastIndexOf(":");
  if (i < 0) return { host: rest, port: 23 };
  const p = Number(rest.slice(i + 1));
  return { host: rest.slice(0, i) || "localhost", port: Number.isInteger(p) && p > 0 && p < 65536 ? p : NaN };
}

/** Opens and closes a plain TCP connection, so that "refused" and "no route" get their own message. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new DeployError("ENOANSWER", `no answer from ${host}:${port} within ${timeoutMs / 1000} s (is the device on this network?)`));
    }, timeoutMs);
    s.once("connect", () => {
      clearTimeout(timer);
      s.destroy();
      resolve();
    });
    s.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new DeployError("ENOANSWER", `cannot connect to ${host}:${port}: ${e.code ?? e.message}`));
    });
  });
}

const MARK_OK = "v";
const MARK_ERR = "e";

/** Wraps an expression so that the device answers `{v:value}` or `{e:"error text"}` instead of printing an uncaught error. */
export function wrapExpression(expr: string): string {
  return `(function(){try{return {${MARK_OK}:(${expr})};}catch(x){return {${MARK_ERR}:String(x)};}})()`;
}

export async function openLink(port: string, opts: LinkOptions): Promise<ConsoleLink> {
  const redact = opts.redact;
  const tcp = parseTcpPort(port);
  const connectTimeoutMs = opts.connectTimeoutMs ?? 15000;
  if (tcp) {
    if (!tcp.host || Number.isNaN(tcp.port)) throw new DeployError("EUSAGE", `bad console address "${port}": use tcp://<ip>[:port]`);
    await probeTcp(tcp.host, tcp.port, Math.min(connectTimeoutMs, 10000));
  }
  const E = await loadTools();
  E.Config.ENV_ON_CONNECT = false; // we ask process.env ourselves; this also avoids fetching board files from the Internet
  E.Config.BLUETOOTH_LOW_ENERGY = false;
  E.Config.BLUETOOTH_LOW_ENERGY_DBUS = false;
  E.Config.BAUD_RATE = 115200; // the ESP8266 console's rate
  E.Config.SET_TIME_ON_WRITE = false;
  E.Config.SERIAL_TCPIP = tcp ? [port] : [];
  E.Config.STORAGE_UPLOAD_METHOD = opts.fast ? 1 : 0;

  let tail = "";
  let isClosed = false;
  const baseReader = (data: ArrayBuffer | string) => {
    const text = typeof data === "string" ? data : Buffer.from(new Uint8Array(data)).toString("latin1");
    if (!text) return;
    tail = (tail + text).slice(-2000);
    if (opts.onOutput) opts.onOutput(redact(text));
  };
  E.Core.Serial.startListening(baseReader);

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      reject(new DeployError("ENOANSWER", `the console at ${port} did not open within ${connectTimeoutMs / 1000} s`));
    }, connectTimeoutMs);
    E.Core.Serial.open(
      port,
      (info) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (info === undefined || info === null) {
          reject(
            tcp
              ? new DeployError("ENOANSWER", `cannot open the console at ${port}`)
              : new DeployError("ENOPORT", `cannot open serial port ${port} (is the board plugged in, and is the port free? Close any other terminal on it.)`),
          );
        } else resolve();
      },
      () => {
        isClosed = true;
      },
    );
  });
  if (opts.fast) E.Core.Serial.setSlowWrite(false, true);

  const link: ConsoleLink = {
    evaluate(expr, o = {}) {
      if (isClosed) return Promise.reject(new DeployError("ENOANSWER", "the console connection is closed"));
      const timeoutMs = o.timeoutMs ?? 5000;
      const what = o.what ?? "a command";
      return new Promise((resolve, reject) => {
        E.Core.Utils.executeExpression(
          wrapExpression(expr),
          (result) => {
            if (result === undefined) {
              reject(new DeployError("ENOANSWER", `no answer from the device to ${what}${isClosed ? " (the connection closed)" : ""}; last output: ${JSON.stringify(redact(tail.slice(-200)))}`));
              return;
            }
            let parsed: Record<string, unknown>;
            try {
              parsed = JSON.parse(result) as Record<string, unknown>;
            } catch {
              reject(new DeployError("EDEVICE", `unreadable answer to ${what}: ${JSON.stringify(redact(result.slice(0, 200)))}`));
              return;
            }
            if (parsed && typeof parsed === "object" && MARK_ERR in parsed) {
              reject(new DeployError("EDEVICE", `the device failed ${what}: ${redact(String(parsed[MARK_ERR]))}`));
              return;
            }
            resolve(parsed ? parsed[MARK_OK] : undefined);
          },
          { minTimeout: Math.max(1, timeoutMs / 1000), maxTimeout: Math.max(30, timeoutMs / 1000) },
        );
      });
    },
    send(raw) {
      // Serial.write calls back only for writes longer than a block with showStatus set
      // (serial.js writeSerialWorker), so short raw lines go through the connection's queue,
      // whose promise resolves once they are written.
      return E.Core.Serial.connection.write(raw).then(() => undefined);
    },
    async unlock(password) {
      const before = tail.length;
      await link.send("\n");
      await delay(600);
      const seen = tail.slice(Math.max(0, tail.length - (tail.length - before) - 20));
      if (!/password>\s*$/.test(seen) && !/password>\s*$/.test(tail)) return;
      if (!password) {
        throw new DeployError("ELOCKED", "the console is locked (it shows password>): set ESPFW_CONSOLE_PASSWORD to the console password");
      }
      tail = "";
      await link.send(password + "\n");
      await delay(600);
      await link.send("\n");
      await delay(400);
      if (/password>\s*$/.test(tail)) throw new DeployError("ELOCKED", "the console refused the password in ESPFW_CONSOLE_PASSWORD");
    },
    transcript: () => redact(tail),
    closed: () => isClosed,
    close() {
      if (isClosed || !E.Core.Serial.isConnected()) return Promise.resolve();
      return new Promise((resolve) => {
        E.Core.Serial.close();
        const t = setInterval(() => {
          if (isClosed || !E.Core.Serial.isConnected()) {
            clearInterval(t);
            resolve();
          }
        }, 50);
        setTimeout(() => {
          clearInterval(t);
          resolve();
        }, 1500).unref();
      });
    },
  };
  return link;
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

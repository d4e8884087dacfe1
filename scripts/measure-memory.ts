/*
 * `npx tsx scripts/measure-memory.ts [--entry firmware/main/linux.ts] [--eval "expr"]...
 *  [--steps] [--keep]`: measures where the variables go on Espruino's real Linux interpreter
 * (ESPRUINO_BIN, a build with the ESP8266's 1600 variables; see the README).
 *
 * Builds the linux board (the given entry), writes the bundle as `.bootcde` and the Storage
 * modules of dist/linux-modules.json and dist/web/manifest.json beside it, in a fresh temporary
 * directory (ESPRUINO_WRITER, default the `espruino` next to ESPRUINO_BIN, writes them: a
 * 1600-variable interpreter cannot hold the bundle as one string), boots it with `-e ""` as a
 * deploy would, and asks its console for `process.memory().free` (after a garbage collection)
 * after boot and, with --steps, after each step: 3 idle line connections, 3 idle echo
 * connections, 3 idle HTTP connections, a line session, a GET of each page. Each --eval
 * expression is printed after boot (e.g. `E.getSizeOf(global["\xff"])`). Figures, no verdict.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { rollup } from "rollup";
import { LineConn } from "../test/helpers/line-conn.ts";
import { loadBoard } from "../board-configs/index.ts";
import { createRollupOptions } from "../rollup.config.js";
import { boardModuleSource } from "./board-module.ts";
import { firmwareVersion } from "./build.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** Storage files a deploy writes beside the bundle: {name, file} from the manifests that exist. */
export function storageFiles(): Array<{ name: string; file: string }> {
  const out: Array<{ name: string; file: string }> = [];
  for (const m of ["dist/linux-modules.json", "dist/web/manifest.json"]) {
    if (!existsSync(m)) continue;
    const files = (JSON.parse(readFileSync(m, "utf8")) as { files: Array<{ name: string; file: string }> }).files;
    for (const f of files) out.push({ name: f.name, file: resolve(dirname(m), f.file) });
  }
  return out;
}

/** Builds the linux board from `entry` into `file` (minified as the real build). */
export async function buildEntry(entry: string, file: string): Promise<number> {
  const o = createRollupOptions({ board: "linux", boardModule: boardModuleSource(loadBoard("linux"), firmwareVersion()) });
  const b = await rollup({ ...o.input, input: entry });
  const { output } = await b.generate(o.output);
  await b.close();
  writeFileSync(file, output[0].code);
  return Buffer.byteLength(output[0].code);
}

/** A booted interpreter: its console output so far, and a way to evaluate at its console. */
export interface Booted {
  dir: string;
  child: ChildProcess;
  out: () => string;
  ask: (expr: string) => Promise<string>;
  free: () => Promise<number>;
  stop: () => void;
}

/**
 * Writes `bundleFile` as .bootcde (and `extra` Storage files) in a temp dir and boots it.
 * `opts.prefix` runs the interpreter under another command, e.g. `["valgrind", "--tool=callgrind"]`
 * (scripts/bench-cpu.ts): the command line becomes prefix, bin, its arguments; the working directory
 * is still the temp dir, so relative paths in the prefix land there.
 */
export async function bootFromStorage(
  bin: string,
  bundleFile: string,
  extra: Array<{ name: string; file: string }>,
  opts: { prefix?: string[] } = {},
): Promise<Booted> {
  const writer = process.env.ESPRUINO_WRITER ?? join(dirname(bin), "espruino");
  const dir = mkdtempSync(join(tmpdir(), "measure-mem-"));
  const fs = 'var f=require("fs"),S=require("Storage");';
  const writes = [{ name: ".bootcde", file: resolve(bundleFile) }, ...extra]
    .map((f) => `S.write(${JSON.stringify(f.name)},f.readFileSync(${JSON.stringify(f.file)}));`)
    .join("");
  const w = spawnSync(writer, ["-e", fs + writes + "quit();"], { cwd: dir, input: "", timeout: 30000 });
  if (w.status === null || !existsSync(join(dir, "espruino.flash"))) throw new Error(`could not write Storage with ${writer}`);
  // The console is asked over Espruino's telnet console (127.0.0.1:2323), not stdin: the Linux
  // port reads stdin on a second thread that pushes into the event queue without a lock, and a
  // question sent there now and then arrives garbled (`Execution Interrupted`, or
  // `ASSERT(len <= 64)` at jsdevices.c:601). Telnet input is read on the interpreter's own
  // thread. stdin stays an open pipe that is never written (at EOF the port reads junk).
  const cmd = [...(opts.prefix ?? []), bin, "--telnet", "-e", ""];
  const child = spawn(cmd[0], cmd.slice(1), { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString("latin1")));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString("latin1")));
  let consoleSocket: Socket | null = null;
  const openConsole = async (): Promise<Socket> => {
    for (let i = 0; i < 50; i++) {
      const s = await new Promise<Socket | null>((res) => {
        const c = connect(2323, "127.0.0.1", () => res(c));
        c.on("error", () => res(null));
      });
      if (s) {
        s.on("data", (d: Buffer) => (out += d.toString("latin1")));
        s.on("error", () => {});
        await sleep(200);
        return s;
      }
      await sleep(100);
    }
    throw new Error("the interpreter's telnet console (127.0.0.1:2323) did not answer");
  };
  let seq = 0;
  const ask = async (expr: string): Promise<string> => {
    consoleSocket ??= await openConsole();
    const tag = "ANS" + ++seq + "=";
    // The tag is split in the source ("ANS1"+"="): the console redraws its input line now and
    // then even with echo off, and a redrawn question must not read as its own answer.
    consoleSocket.write(`\x10print("${tag.slice(0, -1)}"+"="+(${expr})+"<")\n`);
    const deadline = Date.now() + 5000;
    for (;;) {
      const m = new RegExp(tag + "([^<]*)<").exec(out);
      if (m) return m[1];
      if (Date.now() > deadline) throw new Error(`no answer from the console to ${expr}; output: ${out.slice(-400)}`);
      await sleep(30);
    }
  };
  await sleep(1500);
  if (/Socket bind failed|Unable to create socket/.test(out)) {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    throw new Error("a port of the linux board (4444, 8007, 8080) or its console (2323) is in use: another interpreter is running");
  }
  return {
    dir,
    child,
    out: () => out,
    ask,
    free: async () => Number(await ask("process.memory().free")),
    stop: () => {
      consoleSocket?.destroy();
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Opens a TCP connection and resolves once it has received `waitBytes` bytes (or 300 ms passed). */
export function hold(port: number, send?: string): Promise<Socket> {
  return new Promise((res, rej) => {
    const s = connect(port, "127.0.0.1", () => {
      if (send) s.write(send);
      setTimeout(() => res(s), 300);
    });
    s.on("error", rej);
    s.on("data", () => {});
  });
}

/** One request/response exchange: sends `text`, collects until the peer closes (or 3 s). */
export function exchange(port: number, text: string): Promise<string> {
  return new Promise((res) => {
    let got = "";
    const s = connect(port, "127.0.0.1", () => s.write(text));
    const t = setTimeout(() => {
      s.destroy();
      res(got);
    }, 3000);
    s.on("data", (d: Buffer) => (got += d.toString("latin1")));
    s.on("close", () => {
      clearTimeout(t);
      res(got);
    });
    s.on("error", () => {});
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const evals: string[] = [];
  argv.forEach((a, i) => {
    if (a === "--eval") evals.push(argv[i + 1]);
  });
  const entry = opt("--entry") ?? "firmware/main/linux.ts";
  const bin = process.env.ESPRUINO_BIN;
  if (!bin) {
    process.stderr.write("measure-memory: set ESPRUINO_BIN to Espruino's Linux interpreter built with 1600 variables (README)\n");
    process.exit(2);
  }
  const file = join(mkdtempSync(join(tmpdir(), "measure-build-")), "bundle.js");
  const bytes = await buildEntry(entry, file);
  const extra = storageFiles();
  process.stdout.write(`bundle ${entry}: ${bytes} bytes; Storage files beside it: ${extra.map((f) => f.name).join(" ") || "none"}\n`);
  const b = await bootFromStorage(bin, file, extra);
  const row = async (what: string) => process.stdout.write(`${what.padEnd(44)} free ${await b.free()}\n`);
  try {
    if (/OUT OF MEMORY|ASSERT/.test(b.out())) process.stdout.write("boot: " + b.out().replace(/[^\x20-\x7e\n]/g, "") + "\n");
    await row("after boot");
    for (const e of evals) process.stdout.write(`${e} = ${await b.ask(e)}\n`);
    if (argv.includes("--steps")) {
      const base = await b.free();
      // The first connection loads its service's lazy module; the next ones show what one more
      // idle connection costs.
      const cost = async (what: string, port: number, send?: string) => {
        const held = [await hold(port, send)];
        await sleep(300);
        const first = await b.free();
        held.push(await hold(port, send), await hold(port, send));
        await sleep(300);
        const f = await b.free();
        process.stdout.write(`${what.padEnd(44)} free ${f}  (first ${base - first} with its service, then ${Math.round((first - f) / 2)} each)\n`);
        for (const s of held) s.destroy();
        await sleep(800);
      };
      await cost("3 idle line connections", 4444);
      await cost("3 idle echo connections", 8007);
      await cost("3 idle HTTP connections (no request yet)", 8080);
      await row("all closed");
      const line = await exchange(4444, "READ\nSTATUS\nHELP\nQUIT\n");
      process.stdout.write("line session: " + JSON.stringify(line.slice(0, 120)) + "...\n");
      await row("after a line session");
      for (const p of ["/", "/status", "/about", "/api/status", "/api/samples", "/nope"]) {
        const r = await exchange(8080, `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`);
        process.stdout.write(`GET ${p}: ${JSON.stringify(r.split("\r\n")[0])}, ${r.length} bytes\n`);
      }
      await sleep(500);
      await row("after GET of every page");
    }
    const tail = b.out().split("\u001b[J").join("").replace(/[^ -~\n]/g, "");
    if (/ASSERT|MEMORY|Uncaught|ERROR/.test(tail)) process.stdout.write("console:\n" + tail.slice(-1500) + "\n");
  } finally {
    if (argv.includes("--keep")) process.stdout.write(`kept ${b.dir}\n`);
    else b.stop();
  }
}

if (process.argv[1] && resolve(process.argv[1]).endsWith("measure-memory.ts")) {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`measure-memory: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}

// Client sessions shared by the benchmarks (scripts/bench-scenario.ts; bench-services.ts has its
// own copies of the first three). Each rejects (or reports) instead of hanging: every wait has a
// timeout.

/** One line-protocol session: greeting, READ, STATUS, QUIT, then the device closes. Rejects on ERR or a timeout. */
export async function lineSession(port: number, timeoutMs = 5000): Promise<void> {
  const c = await LineConn.open(port);
  try {
    const first = await c.waitFor(/^(#|ERR)/, 0, timeoutMs);
    if (first.startsWith("ERR")) throw new Error(first);
    for (const cmd of ["READ", "STATUS", "QUIT"]) {
      const from = c.lines.length;
      c.sock.write(cmd + "\n");
      const r = await c.waitFor(/^(OK|ERR)/, from, timeoutMs);
      if (r.startsWith("ERR")) throw new Error(`${cmd}: ${r}`);
    }
    await c.waitClosed(timeoutMs);
  } finally {
    c.close();
  }
}

/** One echo TCP session: sends `bytes`, resolves once as many came back (not compared), then ends. */
export function echoSession(port: number, bytes: Buffer, timeoutMs = 5000): Promise<void> {
  return new Promise((res, rej) => {
    let n = 0;
    const s = connect(port, "127.0.0.1", () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      rej(new Error("echo timeout"));
    }, timeoutMs);
    s.on("data", (d: Buffer) => {
      n += d.length;
      if (n >= bytes.length) {
        clearTimeout(timer);
        s.end();
        res();
      }
    });
    s.on("close", () => {
      clearTimeout(timer);
      if (n < bytes.length) rej(new Error(`echo closed after ${n} of ${bytes.length} bytes`));
    });
    s.on("error", () => {});
  });
}

/** One echo UDP exchange: a datagram to 127.0.0.1:`port`; resolves when one comes back. */
export function udpSession(port: number, timeoutMs = 2000, payload = Buffer.from("ping")): Promise<void> {
  return new Promise((res, rej) => {
    const u = createSocket("udp4");
    const timer = setTimeout(() => {
      u.close();
      rej(new Error("udp timeout"));
    }, timeoutMs);
    u.on("message", () => {
      clearTimeout(timer);
      u.close();
      res();
    });
    u.on("error", (e) => {
      clearTimeout(timer);
      u.close();
      rej(e);
    });
    u.send(payload, port, "127.0.0.1");
  });
}

/** What `httpRequest` got: status 0 when no status line came. */
export interface HttpReply {
  status: number;
  statusLine: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
  /** The body is as long as Content-Length says (false without Content-Length). */
  complete: boolean;
  /** The peer closed (or reset) the connection. */
  closed: boolean;
  timedOut: boolean;
  /** A socket error (e.g. ECONNREFUSED, ECONNRESET). */
  error?: string;
  ms: number;
  /** The socket, still open when `keepOpen` was asked and the peer has not closed it. */
  sock: Socket;
}

/**
 * Sends `request` (a whole raw HTTP request) to 127.0.0.1:`port` and resolves when the response's
 * body is complete by its Content-Length, or the peer closed, or `timeoutMs` passed (never rejects).
 * The socket is destroyed then, unless `keepOpen`.
 */
export function httpRequest(port: number, request: string | Buffer, timeoutMs = 10000, keepOpen = false): Promise<HttpReply> {
  return new Promise((res) => {
    const t0 = Date.now();
    let buf = Buffer.alloc(0);
    let done = false;
    const r: HttpReply = { status: 0, statusLine: "", headers: {}, body: Buffer.alloc(0), complete: false, closed: false, timedOut: false, ms: 0, sock: null as unknown as Socket };
    const s = connect(port, "127.0.0.1", () => s.write(request));
    r.sock = s;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const end = buf.indexOf("\r\n\r\n");
      const head = (end >= 0 ? buf.subarray(0, end) : buf).toString("latin1").split("\r\n");
      r.statusLine = head[0] ?? "";
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(r.statusLine);
      r.status = m ? Number(m[1]) : 0;
      for (const l of head.slice(1)) {
        const i = l.indexOf(":");
        if (i > 0) r.headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      r.body = end >= 0 ? buf.subarray(end + 4) : Buffer.alloc(0);
      const cl = r.headers["content-length"];
      r.complete = cl !== undefined && r.body.length === Number(cl);
      r.ms = Date.now() - t0;
      if (!keepOpen) s.destroy();
      res(r);
    };
    const timer = setTimeout(() => {
      r.timedOut = true;
      finish();
    }, timeoutMs);
    s.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(buf.subarray(0, end).toString("latin1"));
      if (cl && buf.length - end - 4 >= Number(cl[1])) finish();
    });
    s.on("close", () => {
      r.closed = true;
      finish();
    });
    s.on("error", (e: NodeJS.ErrnoException) => {
      r.error = e.code ?? e.message;
    });
  });
}

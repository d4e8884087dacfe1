/*
 * A real MQTT broker for the tests: Debian's Mosquitto (scripts/install-system-deps.sh installs
 * it), started on a free port of 127.0.0.1 with a config of its own in a temporary folder,
 * anonymous clients allowed, nothing persisted. stop() and start() again on the same port give a
 * broker restart. Where Mosquitto is missing, mosquittoPath() is null and the tests say so.
 * Lines of `extra` go at the end of the config: a bridge to another broker, say (its
 * `connection` section; test/firmware/e2e/fleet-bridge.e2e.test.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The Mosquitto binary, or null when it is not installed. */
export function mosquittoPath(): string | null {
  for (const p of ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"]) if (existsSync(p)) return p;
  return null;
}

/** A free TCP port of 127.0.0.1 (the OS picks it; it is free again when this resolves). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, "127.0.0.1");
    c.on("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.on("error", () => resolve(false));
  });
}

export interface Broker {
  port: number;
  url: string;
  /** Starts it again (after stop()) on the same port. */
  start(): Promise<void>;
  /** Stops it: every client's connection drops. */
  stop(): Promise<void>;
  /** Stops it and removes its folder. */
  dispose(): Promise<void>;
  /** What it logged. */
  log(): string;
}

export interface BrokerOptions {
  /** Lines added at the end of the config (after the listener and the defaults above). */
  extra?: readonly string[];
}

export async function startBroker(port?: number, o: BrokerOptions = {}): Promise<Broker> {
  const bin = mosquittoPath();
  if (bin === null) throw new Error("mosquitto is not installed (scripts/install-system-deps.sh)");
  const dir = mkdtempSync(join(tmpdir(), "mosquitto-"));
  const p = port ?? (await freePort());
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(conf, `listener ${p} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stdout\nlog_type error\nlog_type warning\nlog_type notice\n${(o.extra ?? []).map((l) => l + "\n").join("")}`);
  let proc: ChildProcess | null = null;
  let out = "";
  const b: Broker = {
    port: p,
    url: `mqtt://127.0.0.1:${p}`,
    async start() {
      if (proc) return;
      const child = spawn(bin, ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
      proc = child;
      child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
      for (let i = 0; i < 100; i++) {
        if (child.exitCode !== null) throw new Error(`mosquitto exited: ${out}`);
        if (await accepts(p)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`mosquitto did not listen on ${p}: ${out}`);
    },
    async stop() {
      const child = proc;
      proc = null;
      if (!child || child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
    },
    async dispose() {
      await b.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => out,
  };
  await b.start();
  return b;
}

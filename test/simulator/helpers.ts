/*
 * Helpers for the simulator's tests: a simulator on free ports with a throwaway state folder,
 * booting a small test program (or a given bundle), and small TCP/UDP/console clients.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as net from "node:net";
import * as dgram from "node:dgram";
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from "../../simulator/index.ts";

export interface TestSim extends SimulatorHandle {
  dir: string;
  /** Stops the simulator and removes its state folder. */
  dispose(): Promise<void>;
}

/** Starts a simulator that boots `program` (JavaScript for the device) on ephemeral ports. */
export async function simWith(program: string, opts: SimulatorOptions = {}): Promise<TestSim> {
  const dir = opts.stateDir ?? mkdtempSync(join(tmpdir(), "sim-test-"));
  const bundle = join(dir, "program.js");
  writeFileSync(bundle, program);
  const sim = await startSimulator({ ports: "ephemeral", stateDir: dir, bundle, ...opts });
  return Object.assign(sim, {
    dir,
    dispose: async () => {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` until it is true (rejects after `ms`). */
export async function until(cond: () => boolean, ms = 3000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A TCP client that collects everything it receives (latin1) and whether it was closed. */
export function client(port: number): Promise<{ sock: net.Socket; data: () => string; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    let data = "";
    let closed = false;
    const sock = net.connect(port, "127.0.0.1", () => resolve({ sock, data: () => data, closed: () => closed }));
    sock.on("data", (b) => (data += b.toString("latin1")));
    sock.on("close", () => (closed = true));
    sock.on("error", (e) => (closed ? undefined : reject(e)));
  });
}

/** Sends one datagram and resolves with the first reply, or undefined after `ms`. */
export function udpAsk(port: number, payload: Buffer, ms = 400): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket("udp4");
    const t = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, ms);
    s.on("message", (m) => {
      clearTimeout(t);
      s.close();
      resolve(m);
    });
    s.send(payload, port, "127.0.0.1");
  });
}

/** Evaluates `expr` on the device and returns its JSON value. */
export function devJSON(sim: SimulatorHandle, expr: string): unknown {
  const text = sim.evaluate(`JSON.stringify(${expr})`);
  return text === undefined ? undefined : JSON.parse(String(text));
}

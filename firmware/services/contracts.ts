/*
 * The contracts between services: what the line protocol, UDP push and web server read of the
 * device, and how every service asks for a socket. The services issue implements them
 * (device state, sampler, socket budget); the web server and tests use them through these
 * interfaces only, so each side can be tested with a fake of the other.
 */

import type { HttpUrl } from "../../lib/http-url.ts";
import type { Sample } from "../../lib/sample.ts";

/** One sample (docs/PROTOCOL.md, "Samples"), the record lib/ codecs and the ring share. */
export type { Sample };

export type WifiState = "up" | "connecting" | "ap" | "down";

/** What every service reads of the device and the few things it may change. */
export interface Device {
  readonly name: string;
  readonly version: string;
  /** Milliseconds since boot. */
  uptimeMs(): number;
  /** Free interpreter variables (process.memory().free), without forcing a GC. */
  freeVars(): number;
  /** Total interpreter variables. */
  totalVars(): number;
  led(): number;
  setLed(on: boolean): number;
  /** The analog input now, scaled to 0..1023. */
  readA0(): number;
  /** Open client connections of every service. */
  clients(): number;
  wifiState(): WifiState;
  /** The device's IPv4 address, "0.0.0.0" when it has none. */
  ip(): string;
  /** Signal strength in dBm, or null where there is no radio. */
  rssi(): number | null;
  /** True when the low-memory guard refuses new work. */
  lowMemory(): boolean;
}

/** What the UDP push and a sample read of the device. */
export type PushDevice = Pick<Device, "uptimeMs" | "freeVars" | "lowMemory" | "readA0" | "led" | "wifiState">;

/** The device's UDP push (udp-push.ts, a lazy module). */
export interface Push {
  /** Sets the target and rate; gives the reply line. */
  set(ip: string, port: number, ms: number): string;
  /** Stops; gives the reply line. */
  off(): string;
  active(): boolean;
}

/** FETCH (fetch-service.ts, a lazy module): `reply` gets exactly one line. */
export interface Fetch {
  start(url: HttpUrl, reply: (line: string) => void): void;
}

/** The once-a-second history of the last 60 samples (seq from 1 at boot). */
export interface History {
  /** Calls `cb` for each held sample, oldest first. */
  forEach(cb: (s: Sample) => void): void;
  /** Number of samples held (0..60). */
  size(): number;
  /** Subscribes to each new sample; returns the function that unsubscribes. */
  subscribe(cb: (s: Sample) => void): () => void;
}

/** The board's socket budget, kept by the firmware itself (docs/PROTOCOL.md, "Guards"). */
export interface SocketBudget {
  /** Takes one socket for a client; false when only the reserve is left (the caller refuses the client). */
  acquire(): boolean;
  /** Gives back a socket taken with acquire(). */
  release(): void;
  /** Client sockets in use. */
  inUse(): number;
}

/** Checks a control token; `required()` is false when no token is provisioned. */
export interface Auth {
  required(): boolean;
  check(token: string): boolean;
}

/** What the resident line service keeps for the lazy module `lazy:line-more` between its loads. */
export interface LineMoreState {
  push: Push | null;
  fetcher: Fetch | null;
}

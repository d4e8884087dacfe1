/*
 * The small interfaces services take from the platform. The platform implements them over
 * Espruino's modules; unit tests hand services fakes of them. Shapes follow Espruino, not
 * Node: write() returns false and `drain` follows, data is a byte string, no destroy().
 */
import type { SeenNetwork } from "../../lib/http/networks-json.ts";

export interface SocketError {
  code: number;
  message: string;
}

/** A TCP connection (accepted or outgoing). */
export interface Socket {
  write(data: string): boolean;
  end(data?: string): void;
  on(event: "data", cb: (data: string) => void): void;
  on(event: "drain" | "end", cb: () => void): void;
  on(event: "close", cb: (hadError: boolean) => void): void;
  on(event: "error", cb: (err: SocketError) => void): void;
  /** The peer's address where the platform gives it (the simulator does; Espruino does not). */
  remoteAddress?: string;
}

export interface Closable {
  close(): void;
}

export interface RemoteInfo {
  address: string;
  port: number;
}

export interface Datagrams extends Closable {
  send(msg: string, port: number, address: string): void;
  on(event: "message", cb: (msg: string, rinfo: RemoteInfo) => void): void;
}

export interface Net {
  /** Listens on `port`; `onConnection` gets each accepted socket. Throws if the socket cannot be created. */
  listen(port: number, onConnection: (socket: Socket) => void): Closable;
  /** Binds a UDP socket on `port` (0: any port, for sending only). */
  udp(port: number): Datagrams;
}

/** What a service logs through: the device's console. */
export type Log = (line: string) => void;

/** Timers, as Espruino has them (ids are numbers); services take them so tests can run a fake clock. */
export interface Timers {
  setTimeout(cb: () => void, ms: number): number;
  setInterval(cb: () => void, ms: number): number;
  clearTimeout(id: number): void;
  clearInterval(id: number): void;
}

/** Milliseconds since boot. */
export type Clock = () => number;

/**
 * What an HTTP GET reports, in order: "status" (n = the status code), "data" (n = bytes of one
 * body chunk, the chunk itself is not kept), then exactly one of "end" or "error" (n = the error
 * code, negative as Espruino's). abort() closes the connection; "end" still follows.
 */
export type HttpGetEvent = "status" | "data" | "end" | "error";

export interface HttpGetter {
  /** Starts a GET; returns the abort function. Throws when the socket cannot be created. */
  get(host: string, port: number, path: string, cb: (ev: HttpGetEvent, n: number) => void): () => void;
}

/** The LED and the analog input. */
export interface Pins {
  led(): number;
  setLed(on: boolean): number;
  /** 0..1023. */
  readA0(): number;
}

/** The radio, or its absence (`linux`, `sim` without a Wifi module): then the network is simply up. */
export interface WifiLink {
  state(): "up" | "connecting" | "ap" | "down";
  ip(): string;
  rssi(): number | null;
}

/** The Wi-Fi setup action of the /setup page. */
export interface WifiSetup {
  /** Joins the network and, once joined, saves it (Wifi.save) for the next boots. Never logs the password. */
  configure(ssid: string, password: string): void;
  /** The networks the radio sees (none without a radio), to `done` once the scan ends. */
  scan(done: (list: SeenNetwork[]) => void): void;
}

/** Where the radio keeps the device's Wi-Fi state (services/device.ts, `dev`). */
export interface WifiHolder {
  wifi_: "up" | "connecting" | "ap" | "down";
}

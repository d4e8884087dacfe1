/*
 * Narrow declarations of just the Espruino API the firmware uses (what Espruino 2v29 provides: docs/ESPRUINO-GATE.md, docs/MEMORY.md).
 * Only firmware/tsconfig.json sees this file: lib/ and host code cannot reach Espruino globals,
 * and firmware code cannot reach Node or DOM types. Add a declaration only when the firmware
 * needs it, with the behaviour Espruino really has (write() returns false, no destroy(), ...).
 */

/** A socket from `net` (server side or client side). Espruino has no destroy/setTimeout/pause. */
interface EspSocket {
  /** Queues data (a byte string) for sending; always returns false, `drain` follows once sent. */
  write(data: string): boolean;
  /** Sends `data` if given, then closes once everything queued is sent. Throws after a close. */
  end(data?: string): void;
  on(event: "data", cb: (data: string) => void): void;
  on(event: "drain" | "end", cb: () => void): void;
  on(event: "close", cb: (hadError: boolean) => void): void;
  on(event: "error", cb: (err: { code: number; message: string }) => void): void;
  removeAllListeners(event?: string): void;
}

interface EspServer {
  listen(port: number): EspServer;
  close(): void;
}

interface EspNet {
  createServer(cb: (socket: EspSocket) => void): EspServer;
  connect(opts: { host: string; port: number }, cb: (socket: EspSocket) => void): EspSocket;
}

interface EspRemoteInfo {
  address: string;
  port: number;
  size: number;
}

interface EspDgramSocket {
  bind(port: number, cb?: (sock: EspDgramSocket) => void): EspDgramSocket;
  send(msg: string, port: number, address: string): void;
  on(event: "message", cb: (msg: string, rinfo: EspRemoteInfo) => void): void;
  on(event: "close", cb: () => void): void;
  on(event: "error", cb: (err: { code: number; message: string }) => void): void;
  close(): void;
}

interface EspDgram {
  createSocket(type: "udp4"): EspDgramSocket;
}

interface EspStorage {
  read(name: string, offset?: number, length?: number): string | undefined;
  readJSON(name: string, noExceptions: boolean): unknown;
  write(name: string, data: string, offset?: number, size?: number): boolean;
  writeJSON(name: string, data: unknown): boolean;
  erase(name: string): void;
  list(regex?: RegExp): string[];
  getFree(): number;
}

interface EspWifiIP {
  ip: string;
  netmask: string;
  gw: string;
  mac: string;
}

interface EspWifiStatus {
  mode: string;
  station: string;
  ap: string;
  savedMode?: string;
}

interface EspWifi {
  connect(ssid: string, opts: { password?: string }, cb: (err: string | null) => void): void;
  disconnect(cb?: () => void): void;
  startAP(ssid: string, opts: { password?: string; authMode?: string; channel?: number; hidden?: number }, cb?: (err: string | null) => void): void;
  stopAP(cb?: () => void): void;
  getIP(cb?: (err: unknown, info: EspWifiIP) => void): EspWifiIP;
  getAPIP(cb?: (err: unknown, info: EspWifiIP) => void): EspWifiIP;
  getStatus(cb?: (status: EspWifiStatus) => void): EspWifiStatus;
  getDetails(cb?: (details: { rssi?: number; ssid?: string }) => void): { rssi?: number; ssid?: string; status?: string };
  save(what?: "clear"): void;
  restore(): void;
  /** Scans for access points; `cb` gets ONE argument, the list (ESP8266: a few seconds). */
  scan(cb: (list: Array<{ ssid: string; rssi: number; authMode: string }>) => void): void;
  /** ESP8266: the DHCP host name, also announced over mDNS as `<name>.local`. */
  setHostname(name: string, cb?: () => void): void;
  getHostname(cb?: (name: string) => void): string;
  on(event: "connected", cb: (details: { ip: string; mask: string; gw: string }) => void): void;
  on(event: "disconnected", cb: (details: { ssid: string; mac: string; reason: string }) => void): void;
  on(event: string, cb: (details: unknown) => void): void;
}

interface EspHttpClientResponse {
  /** A String in Espruino, not a number. */
  statusCode: string;
  on(event: "data", cb: (data: string) => void): void;
  on(event: "end" | "close", cb: () => void): void;
  on(event: "error", cb: (err: { code: number; message: string }) => void): void;
}

interface EspHttpClientRequest {
  on(event: "error", cb: (err: { code: number; message: string }) => void): void;
  end(data?: string): void;
}

interface EspHttp {
  get(options: { host: string; port: number; path: string; headers?: { [name: string]: string } }, cb: (res: EspHttpClientResponse) => void): EspHttpClientRequest;
}

interface EspTelnetServer {
  setOptions(opts: { mode: "on" | "off" }): void;
}

declare function require(name: "net"): EspNet;
declare function require(name: "dgram"): EspDgram;
declare function require(name: "http"): EspHttp;
declare function require(name: "Storage"): EspStorage;
declare function require(name: "Wifi"): EspWifi;
declare function require(name: "TelnetServer"): EspTelnetServer;

interface EspMemory {
  free: number;
  usage: number;
  total: number;
  history: number;
  blocksize?: number;
}

declare const process: {
  memory(gc?: boolean): EspMemory;
  env: { BOARD?: string; VERSION?: string; [key: string]: unknown };
};

declare const E: {
  /** Turns bytes (or a typed array) into a byte string. */
  toString(data: Uint8Array | number[]): string;
  getSizeOf(v: unknown, depth?: number): number;
  setConsole(device: string | null, opts?: { force?: boolean }): void;
  setPassword(password: string | undefined): void;
  lockConsole(): void;
  on(event: "init" | "kill", cb: () => void): void;
};

declare type Pin = number;
declare function Pin(name: string | number): Pin;
declare function digitalWrite(pin: Pin, value: number | boolean): void;
declare function digitalRead(pin: Pin): number;
declare function pinMode(pin: Pin, mode: "output" | "input" | "input_pullup" | "auto"): void;
/** 0 <= v < 1 on ESP8266's A0; NaN on a pin without ADC. */
declare function analogRead(pin: Pin): number;

/** Seconds since boot, as a float. */
declare function getTime(): number;
declare function setTimeout(cb: () => void, ms: number): number;
declare function setInterval(cb: () => void, ms: number): number;
/** Espruino passes the arguments after `ms` to `cb` on each call (no closure needed). */
declare function setInterval<A>(cb: (a: A) => void, ms: number, a: A): number;
declare function clearTimeout(id: number): void;
declare function clearInterval(id: number): void;
declare function print(...text: unknown[]): void;
declare const console: { log(...text: unknown[]): void };
declare const global: { [name: string]: unknown };

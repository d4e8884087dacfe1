/*
 * Espruino, faked for the services' unit tests. The services are module-level functions that call
 * Espruino's globals directly, so this module installs fakes of those globals on globalThis and
 * registers the loader for the build's `board-config` (the `sim` board) and `lazy:NAME` modules
 * (test/helpers/firmware-loader.ts); a test file imports it, then the firmware, dynamically (a
 * static import would be loaded before the fakes and the loader are in place).
 *
 * Faked: getTime() (seconds, from node:test's mock Date), print() (into `logs`),
 * process.memory(gc) (`mem`), require("Storage") over a Map of files, require("Wifi") and
 * require("http") and require("net") (fakes a test drives; any other module throws), Pin/digitalWrite/analogRead
 * (`pins`). setTimeout/setInterval are node:test's mock timers, enabled before the firmware is
 * loaded (platform/timers.ts keeps references to them), for the whole file; advance(ms) moves
 * them and the clock together. Node passes setInterval's extra arguments on, as Espruino does.
 *
 * FakeSocket behaves as Espruino's: write() queues in `dSnd` and returns false, `drain` only
 * when the test says the network sent everything (`dSnd` is then "", as Espruino leaves it; it
 * is absent before the first write), end() sets `cls`, write()/end() after end() or a close throw
 * "This socket is closed", `sckt` is deleted once the socket is killed, and listeners run with
 * the socket as `this`.
 *
 * The firmware modules are imported in a before() hook (loadDevice(), and the test's own
 * firmwareModule() calls): the host tsconfig targets ES2015, which has no top-level await.
 *
 * resetDevice() (each test's beforeEach) closes every socket a test left open, clears the
 * timers and puts the device and every fake back as at boot.
 */
import { mock } from "node:test";
import { firmwareModule, registerFirmwareLoader, TEST_VERSION } from "../../helpers/firmware-loader.ts";

export { firmwareModule, TEST_VERSION };

const g = globalThis as unknown as Record<string, unknown>;

/** What print() logged, one entry per call. */
export const logs: string[] = [];

/** Free variables process.memory() reports; `afterGc` (when set) is what a collection frees up to; `collections` counts process.memory() calls that collect. */
export const mem: { free: number; afterGc: number | null; total: number; collections: number } = { free: 1300, afterGc: null, total: 1600, collections: 0 };

/** The pins: analogRead's value (0 <= v < 1), a flag that makes it throw, and digitalWrite's calls. */
export const pins: { a0: number; a0Throws: boolean; writes: Array<[string, number]> } = { a0: 0.5, a0Throws: false, writes: [] };

type Listener = (...args: never[]) => void;

export class FakeSocket {
  remoteAddress = "10.0.0.9";
  /** Espruino's socket number while open (deleted once the socket is killed) and its unsent bytes (absent: none). */
  sckt?: number = 1;
  dSnd?: string;
  /** Set by the firmware to have Espruino close the socket at its next poll, unsent bytes dropped: no data comes after it. */
  clsNow?: boolean;
  /** Espruino's mark of an end(): the socket closes once its unsent bytes have gone. */
  cls?: boolean;
  /** Everything written, and each write() or end(data) on its own. */
  out = "";
  sent: string[] = [];
  ended = false;
  closed = false;
  private ls: Record<string, Listener[]> = {};

  constructor() {
    openSockets.push(this);
  }
  write(data: string): boolean {
    if (this.ended || this.closed) throw new Error("This socket is closed");
    this.out += data;
    this.sent.push(data);
    this.dSnd = (this.dSnd ?? "") + data;
    return false;
  }
  end(data?: string): void {
    if (this.ended || this.closed) throw new Error("This socket is closed");
    if (data !== undefined) {
      this.out += data;
      this.sent.push(data);
      this.dSnd = (this.dSnd ?? "") + data;
    }
    this.ended = true;
    this.cls = true;
  }
  on(event: string, cb: Listener): void {
    (this.ls[event] ??= []).push(cb);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const cb of (this.ls[event] ?? []).slice()) (cb as (...a: unknown[]) => void).apply(this, args);
  }
  listeners(event: string): number {
    return (this.ls[event] ?? []).length;
  }
  /** The peer sends `data`. */
  send(data: string): void {
    if (!this.closed && this.clsNow !== true) this.emit("data", data);
  }
  /** The network took every byte queued: `dSnd` is "" and `drain` fires (not once end() was called). */
  drain(): void {
    this.dSnd = "";
    if (!this.closed && this.cls !== true) this.emit("drain");
  }
  /** Espruino kills the socket (its peer closed): `sckt` goes, the close event is still queued. */
  kill(): void {
    delete this.sckt;
  }
  /** The connection goes (peer close, or our end() completing): killed, then `end` and `close`. */
  close(hadError = false): void {
    if (this.closed) return;
    this.kill();
    this.closed = true;
    this.emit("end");
    this.emit("close", hadError);
  }
  /** Bytes queued, not yet sent. */
  held(): number {
    return this.dSnd === undefined ? 0 : this.dSnd.length;
  }
  /** Output lines so far, without their \r\n. */
  lines(): string[] {
    const l = this.out.split("\r\n");
    if (l[l.length - 1] === "") l.pop();
    return l;
  }
}

/** Every FakeSocket made since the last resetDevice(). */
const openSockets: FakeSocket[] = [];

/** A UDP socket (the echo service's, which the UDP push sends from). */
export class FakeUdp {
  sent: Array<{ msg: string; port: number; address: string }> = [];
  throwOnSend = false;
  send(msg: string, port: number, address: string): void {
    if (this.throwOnSend) throw new Error("send failed");
    this.sent.push({ msg, port, address });
  }
  on(): void {}
  close(): void {}
}

/** Storage: files by name; read(name, offset, length) as Espruino's (undefined for a missing file). */
export class FakeStorage {
  files = new Map<string, string>();
  reads: Array<{ name: string; offset?: number; length?: number }> = [];
  read(name: string, offset?: number, length?: number): string | undefined {
    this.reads.push({ name, offset, length });
    const f = this.files.get(name);
    if (f === undefined) return undefined;
    const o = offset ?? 0;
    return f.substring(o, length === undefined ? f.length : o + length);
  }
  /** Espruino's readJSON: undefined for no file, and (with `noExceptions`) for one that is not JSON. */
  readJSON(name: string, noExceptions?: boolean): unknown {
    const f = this.read(name);
    if (f === undefined) return undefined;
    try {
      return JSON.parse(f);
    } catch (e) {
      if (noExceptions) return undefined;
      throw e;
    }
  }
}

/** Espruino's Wifi module, as far as the services use it. */
export class FakeWifi {
  ip = "192.168.1.50";
  apIp = "192.168.4.1";
  rssi = -60;
  connects: Array<[string, string]> = [];
  saved = 0;
  getIP(): { ip: string } {
    return { ip: this.ip };
  }
  getAPIP(): { ip: string } {
    return { ip: this.apIp };
  }
  getDetails(): { rssi: number } {
    return { rssi: this.rssi };
  }
  connect(ssid: string, opts: { password?: string }, cb: (err: string | null) => void): void {
    this.connects.push([ssid, opts.password ?? ""]);
    cb(null);
  }
  save(): void {
    this.saved++;
  }
  /** What scan() reports, after `scanMs` (a timer, as on the chip). */
  seen: Array<{ ssid: string; rssi: number; authMode: string }> = [
    { ssid: "Home", rssi: -55, authMode: "wpa2" },
    { ssid: "Cafe", rssi: -72, authMode: "open" },
  ];
  scanMs = 1500;
  scan(cb: (list: unknown) => void): void {
    setTimeout(() => cb(this.seen), this.scanMs);
  }
}

/** One GET made through the fake `http` module; the test answers it. */
export class FakeHttpRequest {
  /** Set by platform/http-client.ts's abort (Espruino's close-now flag). */
  clsNow = false;
  private ls: Record<string, Listener[]> = {};
  private resLs: Record<string, Listener[]> = {};
  constructor(
    public opts: { host: string; port: number; path: string },
    private cb: (res: unknown) => void,
  ) {}
  on(event: string, cb: Listener): void {
    (this.ls[event] ??= []).push(cb);
  }
  end(): void {}
  /** The response's head arrives with `status`. */
  respond(status: number): void {
    this.cb({
      statusCode: String(status),
      on: (event: string, cb: Listener) => {
        (this.resLs[event] ??= []).push(cb);
      },
    });
  }
  /** A body chunk. */
  data(d: string): void {
    for (const cb of this.resLs["data"] ?? []) (cb as (d: string) => void)(d);
  }
  /** The response ends (its connection closes). */
  close(): void {
    for (const cb of this.resLs["close"] ?? []) (cb as () => void)();
  }
  /** The request fails before a response. */
  fail(code: number): void {
    for (const cb of this.ls["error"] ?? []) (cb as (e: { code: number; message: string }) => void)({ code, message: "failed" });
  }
}

/** Espruino's `http` module (client side): get() records each request, or throws when told to. */
export class FakeHttp {
  reqs: FakeHttpRequest[] = [];
  throwNext = false;
  get(opts: { host: string; port: number; path: string }, cb: (res: unknown) => void): FakeHttpRequest {
    if (this.throwNext) {
      this.throwNext = false;
      throw new Error("Unable to create socket");
    }
    const r = new FakeHttpRequest(opts, cb);
    this.reqs.push(r);
    return r;
  }
}

/** An outgoing connection: what net.connect() was given, and its socket. */
export interface FakeConn {
  host: string;
  port: number;
  sock: FakeSocket;
  /** The peer accepts: net.connect()'s callback runs. */
  open(): void;
}

/** require("net"): connect() records each connection for the test to drive; throwNext makes the next one throw as Espruino does with no socket. */
export class FakeNet {
  conns: FakeConn[] = [];
  throwNext = false;
  connect(opts: { host: string; port: number }, cb?: () => void): FakeSocket {
    if (this.throwNext) {
      this.throwNext = false;
      throw new Error("Unable to create socket");
    }
    const sock = new FakeSocket();
    this.conns.push({ host: opts.host, port: opts.port, sock, open: () => cb?.call(sock) });
    return sock;
  }
  /** The newest connection. */
  last(): FakeConn {
    const c = this.conns[this.conns.length - 1];
    if (c === undefined) throw new Error("no connection was made");
    return c;
  }
}

export const storage = new FakeStorage();
export let net = new FakeNet();
export let wifi = new FakeWifi();
export let http = new FakeHttp();
/** The device's UDP socket (dev.udp_), the same for the whole file: the UDP push keeps the one it was made with. */
export const udp = new FakeUdp();

// Espruino's globals.
g.getTime = (): number => Date.now() / 1000;
g.print = (...a: unknown[]): void => {
  logs.push(a.map(String).join(" "));
};
g.require = (name: string): unknown => {
  if (name === "Storage") return storage;
  if (name === "Wifi") return wifi;
  if (name === "http") return http;
  if (name === "net") return net;
  throw new Error(`Module ${name} not found`);
};
(process as unknown as Record<string, unknown>).memory = (gc?: boolean): { free: number; usage: number; total: number; history: number } => {
  if (gc !== false) mem.collections++;
  const free = gc !== false && mem.afterGc !== null ? mem.afterGc : mem.free;
  return { free, usage: mem.total - free, total: mem.total, history: 0 };
};
g.Pin = (name: string): string => name;
g.digitalWrite = (pin: string, v: number | boolean): void => {
  pins.writes.push([pin, Number(v)]);
};
g.analogRead = (): number => {
  if (pins.a0Throws) throw new Error("adc broke");
  return pins.a0;
};

const TIMER_APIS = { apis: ["setInterval", "setTimeout", "Date"] as Array<"setInterval" | "setTimeout" | "Date">, now: 0 };
mock.timers.enable(TIMER_APIS);

/** Moves the clock and runs the timers due (node:test's mock timers). */
export function advance(ms: number): void {
  mock.timers.tick(ms);
}

export const board = registerFirmwareLoader("sim");

/** What the tests use of firmware/services/device.ts. */
export interface DeviceModule {
  dev: {
    t0_: number;
    led_: number;
    wifi_: string;
    out_: number;
    udp_: unknown;
    rd_: Uint32Array;
    seq_: number;
  };
  echoSockets: unknown[];
  lineSockets: unknown[];
  webSockets: unknown[];
  FIXED_SOCKETS: number;
  GUARD_VARS: number;
  HISTORY_SIZE: number;
  clients(): number;
  sampleTick(): void;
  uptimeMs(): number;
}

/** firmware/services/device.ts, once loadDevice() has run. */
export let device: DeviceModule;

/** What the tests use of firmware/services/auth.ts. */
export interface AuthModule {
  useToken(t: string | null): void;
  tokenRequired(): boolean;
  tokenMatches(given: string): boolean;
}

/** firmware/services/auth.ts, once loadDevice() has run. */
export let auth: AuthModule;

/** Client connections the board leaves (SOCKET_BUDGET less the fixed sockets and the one in reserve), once loadDevice() has run. */
export let MAX_CLIENTS = 0;

/** Imports the device and auth modules (a test file's before() hook). */
export async function loadDevice(): Promise<void> {
  device = await firmwareModule<DeviceModule>("services/device.ts");
  auth = await firmwareModule<AuthModule>("services/auth.ts");
  MAX_CLIENTS = board.socketBudget - device.FIXED_SOCKETS - 1;
  device.dev.udp_ = udp;
}

/** Puts the device and every fake back as at boot (closing the sockets a test left open). */
export function resetDevice(): void {
  for (const s of openSockets.splice(0)) s.close();
  mock.timers.reset();
  mock.timers.enable(TIMER_APIS);
  const d = device.dev;
  for (const l of [device.echoSockets, device.lineSockets, device.webSockets]) l.length = 0;
  d.t0_ = getTimeNow();
  d.led_ = 0;
  d.wifi_ = "up";
  d.out_ = 0;
  d.udp_ = udp;
  d.rd_.fill(0);
  d.seq_ = 0;
  auth.useToken(null);
  logs.length = 0;
  mem.free = 1300;
  mem.afterGc = null;
  mem.collections = 0;
  pins.a0 = 0.5;
  pins.a0Throws = false;
  pins.writes = [];
  storage.files.clear();
  storage.reads = [];
  wifi = new FakeWifi();
  http = new FakeHttp();
  net = new FakeNet();
  udp.sent = [];
  udp.throwOnSend = false;
}

function getTimeNow(): number {
  return (g.getTime as () => number)();
}

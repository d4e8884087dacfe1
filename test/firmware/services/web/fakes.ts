/*
 * Fakes for the web server's unit tests: a socket with Espruino's behaviour (write() returns
 * false, `drain` once the queue is handed over, write after end throws), a Net that hands
 * sockets in, and the Device, History, SocketBudget, Auth, Storage and Wi-Fi setup it takes.
 */
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import type { Auth, Device, History, Sample, SocketBudget, WifiState } from "../../../../firmware/services/contracts.ts";
import type { StorageFiles, WifiSetup } from "../../../../firmware/platform/types.ts";
import { setMore, startWebServer, type WebServer, type WebServerOptions } from "../../../../firmware/services/web/web-server.ts";
import { more } from "../../../../firmware/services/web/web-more.ts";
import type { Closable, Datagrams, Net, Socket } from "../../../../firmware/platform/types.ts";
import { assetLine, type Asset } from "../../../../lib/http/asset-index.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fakes accept every listener shape of the Socket interface
type Listener = (...args: any[]) => void;

export class FakeSocket implements Socket {
  out = "";
  writes: string[] = [];
  ended = false;
  closed = false;
  /** When false, `drain` waits for drainNow() (a client that does not read). */
  autoDrain = true;
  private listeners: Record<string, Listener[]> = {};
  private closedResolve!: () => void;
  readonly whenClosed = new Promise<void>((r) => (this.closedResolve = r));

  on(event: string, cb: Listener): void {
    (this.listeners[event] ??= []).push(cb);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const cb of this.listeners[event] ?? []) cb.apply(this, args); // Espruino calls listeners on the socket
  }
  write(data: string): boolean {
    if (this.ended || this.closed) throw new Error("This socket is closed");
    this.out += data;
    this.writes.push(data);
    if (this.autoDrain) setImmediate(() => this.drainNow());
    return false;
  }
  end(data?: string): void {
    if (this.ended || this.closed) throw new Error("This socket is closed");
    if (data !== undefined) {
      this.out += data;
      this.writes.push(data);
    }
    this.ended = true;
    setImmediate(() => this.peerClose());
  }
  drainNow(): void {
    if (!this.closed && !this.ended) this.emit("drain");
  }
  /** The client sends data. */
  send(data: string): void {
    if (!this.closed) this.emit("data", data);
  }
  /** The connection closes (the client went away, or after end()). */
  peerClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit("end");
    this.emit("close", false);
    this.closedResolve();
  }
}

export class FakeNet implements Net {
  onConnection: ((s: Socket) => void) | null = null;
  closed = false;
  listen(_port: number, cb: (s: Socket) => void): Closable {
    this.onConnection = cb;
    return { close: () => (this.closed = true) };
  }
  udp(): Datagrams {
    throw new Error("not used");
  }
  connect(): FakeSocket {
    const s = new FakeSocket();
    this.onConnection!(s);
    return s;
  }
}

export class FakeDevice implements Device {
  name = "espruino-test";
  version = "0.1.0";
  ledValue = 0;
  a0 = 512;
  wifi: WifiState = "up";
  low = false;
  uptimeMs() { return 12345; }
  freeVars() { return 1100; }
  totalVars() { return 1600; }
  led() { return this.ledValue; }
  setLed(on: boolean) { this.ledValue = on ? 1 : 0; return this.ledValue; }
  readA0() { return this.a0; }
  clients() { return 1; }
  wifiState() { return this.wifi; }
  ip() { return "192.168.1.50"; }
  rssi(): number | null { return -60; }
  lowMemory() { return this.low; }
}

export class FakeHistory implements History {
  samples: Sample[] = [];
  subscribers: ((s: Sample) => void)[] = [];
  constructor(n: number) {
    for (let i = 1; i <= n; i++) this.samples.push({ seq: i, ms: i * 1000, a0: (i * 17) % 1024, free: 1000 + i, led: i % 2 });
  }
  forEach(cb: (s: Sample) => void) { this.samples.forEach(cb); }
  size() { return this.samples.length; }
  subscribe(cb: (s: Sample) => void) {
    this.subscribers.push(cb);
    return () => {
      this.subscribers = this.subscribers.filter((x) => x !== cb);
    };
  }
  /** Takes a new sample and gives it to the subscribers. */
  tick(): Sample {
    const last = this.samples[this.samples.length - 1];
    const seq = last ? last.seq + 1 : 1;
    const s = { seq, ms: seq * 1000, a0: (seq * 17) % 1024, free: 1000 + seq, led: 0 };
    this.samples.push(s);
    if (this.samples.length > 60) this.samples.shift();
    for (const cb of this.subscribers.slice()) cb(s);
    return s;
  }
}

export class FakeBudget implements SocketBudget {
  used = 0;
  constructor(public limit: number) {}
  acquire() {
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }
  release() { this.used--; }
  inUse() { return this.used; }
}

export class FakeAuth implements Auth {
  constructor(public token: string | null) {}
  required() { return this.token !== null; }
  check(t: string) { return this.token !== null && t === this.token; }
}

export class FakeStorage implements StorageFiles {
  files = new Map<string, string>();
  reads: { name: string; offset?: number; length?: number }[] = [];
  read(name: string, offset?: number, length?: number): string | undefined {
    this.reads.push({ name, offset, length });
    const f = this.files.get(name);
    if (f === undefined) return undefined;
    const o = offset ?? 0;
    return f.substring(o, length === undefined ? f.length : o + length);
  }
}

export class FakeWifi implements WifiSetup {
  calls: [string, string][] = [];
  configure(ssid: string, password: string) { this.calls.push([ssid, password]); }
}

const etag = (s: string) => `"${createHash("sha256").update(s, "latin1").digest("hex").slice(0, 10)}"`;

/** Puts assets (route → [kind, type, text]) into the fake Storage with their index, as build-web.ts does. */
export function installAssets(storage: FakeStorage, assets: Record<string, [string, string, string]>): void {
  let index = "# test index";
  let n = 0;
  for (const [route, [kind, type, text]] of Object.entries(assets)) {
    const file = `w.${n++}`;
    storage.files.set(file, text);
    const a: Asset = { kind, type, file, bytes: text.length, etag: etag(text), gzFile: "", gzBytes: 0, gzEtag: "" };
    if (kind === "s") {
      const gz = gzipSync(Buffer.from(text, "latin1")).toString("latin1");
      a.gzFile = file + ".gz";
      a.gzBytes = gz.length;
      a.gzEtag = etag(gz);
      storage.files.set(a.gzFile, gz);
    }
    index += "\n" + assetLine(route, a);
  }
  storage.files.set("w.idx", index);
}

export const PAGE = "<!doctype html><title>Dash</title>" + "x".repeat(3000);
export const TEMPLATE = "<p>up {{uptime}} free {{free}} of {{total}} ip {{ip}} rssi {{rssi}} led {{led}} a0 {{a0}} clients {{clients}} {{name}}<{{nope}}>";

export interface Rig {
  net: FakeNet;
  device: FakeDevice;
  history: FakeHistory;
  budget: FakeBudget;
  auth: FakeAuth;
  storage: FakeStorage;
  wifi: FakeWifi;
  logs: string[];
  server: WebServer;
}

// On the device the rarely used routes are the lazy module `lazy:web-more`.
setMore(() => more);

export function rig(over: Partial<WebServerOptions> & { token?: string | null; sockets?: number } = {}): Rig {
  const r = {
    net: new FakeNet(),
    device: new FakeDevice(),
    history: new FakeHistory(60),
    budget: new FakeBudget(over.sockets ?? 3),
    auth: new FakeAuth(over.token ?? null),
    storage: new FakeStorage(),
    wifi: new FakeWifi(),
    logs: [] as string[],
  };
  installAssets(r.storage, {
    "/": ["s", "text/html;charset=utf-8", PAGE],
    "/about": ["s", "text/html;charset=utf-8", "<p>about</p>"],
    "/setup": ["s", "text/html;charset=utf-8", "<form method=post>"],
    "/status": ["t", "text/html;charset=utf-8", TEMPLATE],
  });
  const server = startWebServer({
    port: 80,
    sseMax: 2,
    chunk: 268,
    timeoutMs: 100,
    ...r,
    log: (l: string) => r.logs.push(l),
    timers: {
      setTimeout: (cb: () => void, ms: number) => setTimeout(cb, ms) as unknown as number,
      setInterval: (cb: () => void, ms: number) => setInterval(cb, ms) as unknown as number,
      clearTimeout: (id: number) => clearTimeout(id as unknown as NodeJS.Timeout),
      clearInterval: (id: number) => clearInterval(id as unknown as NodeJS.Timeout),
    },
    ...over,
  });
  return { ...r, server };
}

export interface Reply {
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: string;
  raw: string;
  sock: FakeSocket;
}

export function parseReply(raw: string, sock: FakeSocket): Reply {
  const end = raw.indexOf("\r\n\r\n");
  const head = raw.substring(0, end).split("\r\n");
  const m = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(head[0]);
  if (!m) throw new Error("bad status line: " + JSON.stringify(head[0]));
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(":");
    headers[line.substring(0, i).toLowerCase()] = line.substring(i + 1).trim();
  }
  return { status: Number(m[1]), reason: m[2], headers, body: raw.substring(end + 4), raw, sock };
}

/** Sends `request` (whole, or in the given pieces) and waits for the connection to close. */
export async function request(r: Rig, req: string | string[]): Promise<Reply> {
  const sock = r.net.connect();
  for (const piece of typeof req === "string" ? [req] : req) sock.send(piece);
  await sock.whenClosed;
  return parseReply(sock.out, sock);
}

export const get = (path: string, headers = "") => `GET ${path} HTTP/1.1\r\nHost: d\r\n${headers}\r\n`;
export const post = (path: string, body: string, headers = "") =>
  `POST ${path} HTTP/1.1\r\nHost: d\r\nContent-Length: ${body.length}\r\n${headers}\r\n${body}`;

/*
 * Fakes of the platform for service tests: sockets that behave as Espruino's (write() returns
 * false, `drain` only when the test says the peer read, write after close throws, listeners
 * called with the socket as `this`), a Net, UDP, a manual clock with timers, pins, an HTTP getter.
 */
import type { Clock, Datagrams, HttpGetEvent, HttpGetter, Net, RemoteInfo, Socket, SocketError, Timers } from "../../../firmware/platform/types.ts";
import type { Device, SocketBudget } from "../../../firmware/services/contracts.ts";

type Listener = (...args: never[]) => void;

export class FakeSocket implements Socket {
  remoteAddress = "10.0.0.9";
  out = "";
  /** Bytes written since the last drain. */
  pending = 0;
  /** Espruino's socket number and send buffer (platform/socket-held.ts reads them): what is written waits here until the peer reads. */
  sckt = 1;
  dSnd = "";
  ended = false;
  closed = false;
  private ls: Record<string, Listener[]> = {};

  write(data: string): boolean {
    if (this.ended || this.closed) throw new Error("This socket is closed");
    this.out += data;
    this.pending += data.length;
    this.dSnd += data;
    return false;
  }
  end(data?: string): void {
    if (this.ended || this.closed) throw new Error("This socket is closed");
    if (data !== undefined) this.out += data;
    this.ended = true;
  }
  on(event: string, cb: Listener): void {
    (this.ls[event] ??= []).push(cb);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const cb of this.ls[event] ?? []) (cb as (...a: unknown[]) => void).apply(this, args);
  }
  listeners(event: string): number {
    return (this.ls[event] ?? []).length;
  }
  /** The peer sends. */
  send(data: string): void {
    this.emit("data", data);
  }
  /** The peer read everything: Espruino fires drain. */
  drain(): void {
    this.pending = 0;
    this.dSnd = "";
    this.emit("drain");
  }
  /** The connection goes away (peer close, or our end() completing). */
  close(hadError = false): void {
    if (this.closed) return;
    this.closed = true;
    this.emit("end");
    this.emit("close", hadError);
  }
  /** Output lines so far, without their \r\n. */
  lines(): string[] {
    return this.out.split("\r\n").filter((l, i, a) => i < a.length - 1 || l !== "");
  }
}

export class FakeUdp implements Datagrams {
  sent: Array<{ msg: string; port: number; address: string }> = [];
  closed = false;
  throwOnSend = false;
  private onMsg: ((msg: string, r: RemoteInfo) => void) | null = null;
  send(msg: string, port: number, address: string): void {
    if (this.throwOnSend) throw new Error("send failed");
    this.sent.push({ msg, port, address });
  }
  on(_event: "message", cb: (msg: string, rinfo: RemoteInfo) => void): void {
    this.onMsg = cb;
  }
  receive(msg: string, address: string, port: number): void {
    this.onMsg?.(msg, { address, port });
  }
  close(): void {
    this.closed = true;
  }
}

export class FakeNet implements Net {
  servers: Record<number, (s: Socket) => void> = {};
  udps: Record<number, FakeUdp> = {};
  closed: number[] = [];
  listen(port: number, onConnection: (socket: Socket) => void) {
    this.servers[port] = onConnection;
    return { close: () => this.closed.push(port) };
  }
  udp(port: number): Datagrams {
    const u = new FakeUdp();
    this.udps[port] = u;
    return u;
  }
  /** A client connects to `port`. */
  connect(port: number): FakeSocket {
    const s = new FakeSocket();
    this.servers[port](s);
    return s;
  }
}

/** A manual clock: advance(ms) runs the timers due, in order. */
export class FakeTimers implements Timers {
  now = 0;
  private next = 1;
  private ts = new Map<number, { at: number; every: number; cb: () => void }>();
  clock: Clock = () => this.now;
  setTimeout(cb: () => void, ms: number): number {
    const id = this.next++;
    this.ts.set(id, { at: this.now + ms, every: 0, cb });
    return id;
  }
  setInterval(cb: () => void, ms: number): number {
    const id = this.next++;
    this.ts.set(id, { at: this.now + ms, every: ms, cb });
    return id;
  }
  clearTimeout(id: number): void {
    this.ts.delete(id);
  }
  clearInterval(id: number): void {
    this.ts.delete(id);
  }
  count(): number {
    return this.ts.size;
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let best: [number, { at: number; every: number; cb: () => void }] | null = null;
      for (const e of this.ts) if (e[1].at <= end && (best === null || e[1].at < best[1].at)) best = e;
      if (best === null) break;
      this.now = best[1].at;
      if (best[1].every > 0) best[1].at += best[1].every;
      else this.ts.delete(best[0]);
      best[1].cb();
    }
    this.now = end;
  }
}

/** An HTTP getter whose requests the test answers by hand. */
export class FakeHttp implements HttpGetter {
  reqs: Array<{ host: string; port: number; path: string; cb: (ev: HttpGetEvent, n: number) => void; aborted: boolean }> = [];
  throwNext = false;
  get(host: string, port: number, path: string, cb: (ev: HttpGetEvent, n: number) => void): () => void {
    if (this.throwNext) {
      this.throwNext = false;
      throw new Error("Unable to create socket");
    }
    const r = { host, port, path, cb, aborted: false };
    this.reqs.push(r);
    return () => {
      r.aborted = true;
    };
  }
}

/** The board's socket budget: `total` sockets, `fixed` of them never for clients, one in reserve. */
export class FakeBudget implements SocketBudget {
  used = 0;
  constructor(private total: number, private fixed: number) {}
  acquire(): boolean {
    if (this.fixed + this.used + 1 >= this.total) return false;
    this.used++;
    return true;
  }
  release(): void {
    if (this.used > 0) this.used--;
  }
  inUse(): number {
    return this.used;
  }
}

export interface Rig {
  timers: FakeTimers;
  budget: FakeBudget;
  device: Device;
  free: { v: number };
  led: { v: number };
}

/** A device over fakes: 10 sockets with 5 fixed (4 clients), 1600 variables, low under 160. */
export function rig(): Rig {
  const timers = new FakeTimers();
  const budget = new FakeBudget(10, 5);
  const free = { v: 1300 };
  const led = { v: 0 };
  const device: Device = {
    name: "espruino-test",
    version: "9.9.9",
    uptimeMs: timers.clock,
    freeVars: () => free.v,
    totalVars: () => 1600,
    led: () => led.v,
    setLed: (on: boolean) => (led.v = on ? 1 : 0),
    readA0: () => 512,
    clients: () => budget.inUse(),
    wifiState: () => "up",
    ip: () => "127.0.0.1",
    rssi: () => null,
    lowMemory: () => free.v < 160,
  };
  return { timers, budget, device, free, led };
}

export const noLog = (): void => {};
export type { SocketError };

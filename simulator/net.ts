/*
 * Espruino's `net` over real host sockets (simulator/README.md, "What it reproduces").
 *
 * Socket: write() always returns false and appends to a send buffer (Espruino's `dSnd`); the
 * buffer goes out at most `chunkSize` bytes at a time, one chunk in flight, and `drain` fires each
 * time it empties (not when a close is pending). `data` arrives as byte strings of at most
 * `chunkSize` bytes, one chunk per turn of the event loop (random sizes with the split fault);
 * with no `data` listener it waits (read()/available() take it). Writing after end() or a remote
 * close throws Error "This socket is closed". Closing fires `error` (not for a plain close), then
 * `end`, then `close(hadError)`. There is no destroy, setTimeout, pause, address...
 * Server: listen(port) only; every listener, accepted and outgoing socket takes a slot of the
 * budget; an inbound connection with no slot free is accepted by the OS and closed at once;
 * an outgoing connect with no slot throws InternalError "Unable to create socket".
 * While the radio is down, inbound connections are dropped and open ones stall (nothing is sent
 * or delivered) until it comes back; outgoing connects fail with error -4 (no route).
 */
import * as hostNet from "node:net";
import type { Chip, Held, Killable, Life } from "./chip.ts";
import { Emitter } from "./emitter.ts";
import { toByteString } from "./storage.ts";

/** Espruino's socket error codes (socketerrors.c). */
export const SOCKET_ERRORS: Record<number, string> = {
  [-1]: "connection closed",
  [-2]: "out of memory",
  [-3]: "timeout",
  [-4]: "no route",
  [-5]: "busy",
  [-6]: "not found",
  [-7]: "max sockets",
  [-8]: "unsent data",
  [-9]: "connection reset",
  [-10]: "unknown error",
  [-11]: "no connection",
};

/** Receive data held before the host socket is paused (the SDK's espconn_recv_hold). */
const RX_HOLD_BYTES = 1072;

function hostErrorCode(e: NodeJS.ErrnoException): number {
  switch (e.code) {
    case "ECONNREFUSED":
    case "ECONNRESET":
    case "EPIPE":
      return -9;
    case "ETIMEDOUT":
      return -3;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return -6;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return -4;
    default:
      return -10;
  }
}

export class SimSocket extends Emitter implements Held, Killable {
  #chip: Chip;
  #life: Life;
  #hs: hostNet.Socket | null;
  #dSnd = "";
  #rx = "";
  #sending = false;
  #ending = false;
  #closed = false;
  #finished = false;
  #remoteEnded = false;
  #errorCode = 0;
  #pumpQueued = false;
  #closeNow = false;
  #wrote = false;
  #wake = (): void => {
    this.#kick();
    this.#schedulePump();
  };

  constructor(chip: Chip, life: Life, hs: hostNet.Socket | null) {
    super(life.dispatch);
    this.#chip = chip;
    this.#life = life;
    this.#hs = hs;
    chip.open.add(this);
    chip.onLinkUp.add(this.#wake);
    life.own(this);
    if (hs) this.attach(hs);
  }

  /**
   * Espruino's own socket properties, which firmware may read: `sckt`, the socket's number (gone
   * once the connection is killed), `dSnd`, the data still waiting to be sent (absent before the
   * first write, "" once it has all gone out), `cls` (below), and `clsNow` (below), which it may set.
   */
  get sckt(): number | undefined {
    // Espruino removes it when it kills the connection.
    return this.#finished ? undefined : 1;
  }

  get dSnd(): string | undefined {
    // Espruino makes it at the first write and leaves it "" once everything has gone.
    return this.#wrote ? this.#dSnd : undefined;
  }

  /** Espruino's `cls`: set by end() (and when the connection is killed), the socket closes once nothing is left to send. */
  get cls(): boolean | undefined {
    return this.#ending || this.#finished ? true : undefined;
  }

  /**
   * Espruino's `clsNow`: set to true by firmware, the connection is closed at the next poll, its
   * unsent and unread bytes dropped, with no more `data` (end() instead waits until everything is
   * sent and a poll has received nothing).
   */
  get clsNow(): boolean | undefined {
    return this.#closeNow ? true : undefined;
  }

  set clsNow(v: unknown) {
    if (v !== true || this.#finished) return;
    this.#closeNow = true;
    this.#schedulePump();
  }

  /** Host side: binds the host socket (outgoing sockets get it after the slot check). */
  attach(hs: hostNet.Socket): void {
    this.#hs = hs;
    hs.on("data", (b: Buffer) => {
      this.#rx += b.toString("latin1");
      if (this.#rx.length > RX_HOLD_BYTES) hs.pause();
      this.#schedulePump();
    });
    hs.on("end", () => {
      this.#remoteEnded = true;
      this.#closed = true;
      this.#schedulePump();
    });
    hs.on("error", (e: NodeJS.ErrnoException) => {
      if (this.#errorCode === 0) this.#errorCode = hostErrorCode(e);
      this.#closed = true;
    });
    hs.on("finish", () => this.#schedulePump());
    hs.on("close", () => {
      this.#closed = true;
      this.#schedulePump();
    });
  }

  /**
   * What the device holds for this socket: its unsent replies, and of what has come in, at most
   * RX_HOLD_BYTES (the SDK holds that much before it closes the TCP window; more that the host
   * socket read at once stands for what the peer still has in flight, not the device's RAM).
   */
  heldBytes(): number {
    return this.#dSnd.length + Math.min(this.#rx.length, RX_HOLD_BYTES);
  }

  write(data: unknown): boolean {
    if (this.#closed || this.#ending) throw this.#life.error("This socket is closed");
    this.#dSnd += toByteString(data);
    this.#wrote = true;
    this.#kick();
    return false;
  }

  end(data?: unknown): void {
    if (this.#closed || this.#ending) throw this.#life.error("This socket is closed");
    if (data !== undefined) {
      this.#dSnd += toByteString(data);
      this.#wrote = true;
    }
    this.#ending = true;
    this.#kick();
  }

  /** Bytes received and not yet delivered (only when there is no `data` listener). */
  available(): number {
    return this.hasListeners("data") ? 0 : this.#rx.length;
  }

  read(n?: number): string {
    const count = n === undefined ? this.#rx.length : Math.min(n, this.#rx.length);
    const out = this.#rx.slice(0, count);
    this.#rx = this.#rx.slice(count);
    if (this.#hs && this.#rx.length <= RX_HOLD_BYTES) this.#hs.resume();
    this.#schedulePump();
    return out;
  }

  protected override listenerAdded(event: string): void {
    if (event === "data") this.#schedulePump();
  }

  /** Sends the next chunk of the send buffer, if none is in flight. */
  #kick(): void {
    const hs = this.#hs;
    if (!hs || this.#sending || this.#finished || !this.#chip.linkUp()) return;
    if (this.#dSnd.length > 0) {
      if (hs.destroyed || hs.writableEnded) return;
      const chunk = this.#dSnd.slice(0, this.#chip.board.chunkSize);
      this.#dSnd = this.#dSnd.slice(chunk.length);
      this.#sending = true;
      hs.write(Buffer.from(chunk, "latin1"), () => {
        const next = (): void => {
          this.#sending = false;
          if (!this.#life.alive || this.#finished) return;
          if (this.#dSnd.length === 0 && !this.#ending && !this.#closed) this.emit("drain");
          this.#kick();
        };
        if (this.#chip.faults.slowDrain) setTimeout(next, this.#chip.slowDrainMs);
        else setImmediate(next);
      });
      return;
    }
    if (this.#ending && !hs.writableEnded) {
      hs.end();
      // Espruino closes the connection outright: give the peer a moment to read, then drop it.
      const t = setTimeout(() => hs.destroy(), 1000);
      t.unref();
      this.#schedulePump();
    }
  }

  #schedulePump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    setImmediate(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  /** One idle poll: deliver one chunk of received data, or the close events when all is done. */
  #pump(): void {
    if (!this.#life.alive || this.#finished) return;
    if (this.#closeNow) {
      this.#dSnd = "";
      this.#rx = "";
      if (this.#hs && !this.#hs.destroyed) this.#hs.destroy();
      this.#finish();
      return;
    }
    const linkUp = this.#chip.linkUp();
    if (this.#rx.length > 0 && this.hasListeners("data") && linkUp) {
      const max = this.#chip.board.chunkSize;
      const n = this.#chip.faults.splitRandom ? this.#chip.rng.int(1, Math.min(max, this.#rx.length)) : Math.min(max, this.#rx.length);
      const chunk = this.#rx.slice(0, n);
      this.#rx = this.#rx.slice(n);
      if (this.#hs && this.#rx.length <= RX_HOLD_BYTES) this.#hs.resume();
      this.emit("data", chunk);
      this.#schedulePump();
      return;
    }
    if (this.#rx.length > 0 && this.hasListeners("data")) return; // stalled by the radio
    const hs = this.#hs;
    const localDone = this.#ending && this.#dSnd.length === 0 && !this.#sending && hs !== null && hs.writableFinished;
    const remoteDone = this.#closed && (this.#rx.length === 0 || !this.hasListeners("data"));
    if (localDone || remoteDone) this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#closed = true;
    if (this.#hs && !this.#hs.destroyed) {
      if (this.#remoteEnded || this.#errorCode !== 0) this.#hs.destroy();
      else if (!this.#hs.writableEnded) this.#hs.end();
    }
    this.#release();
    const code = this.#errorCode;
    const hadError = code < 0 && code !== -1;
    if (hadError) this.emit("error", { code, message: SOCKET_ERRORS[code] ?? "unknown error" });
    this.emit("end");
    this.emit("close", hadError);
  }

  /** Host side: fails an outgoing socket that never connected. */
  fail(code: number): void {
    this.#errorCode = code;
    this.#closed = true;
    this.#schedulePump();
  }

  #released = false;
  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#chip.budget.give();
    this.#chip.open.delete(this);
    this.#chip.onLinkUp.delete(this.#wake);
    this.#life.disown(this);
  }

  /** reset()/load(): the socket goes away without events. */
  kill(): void {
    this.#finished = true;
    this.#hs?.destroy();
    this.#release();
  }
}

export class SimServer extends Emitter implements Killable, Held {
  #chip: Chip;
  #life: Life;
  #hs: hostNet.Server | null = null;
  #slot = false;

  constructor(chip: Chip, life: Life, onConnection: unknown) {
    super(life.dispatch);
    if (typeof onConnection !== "function") throw life.error("Expecting a function for the callback");
    this.#chip = chip;
    this.#life = life;
    this.on("connection", onConnection as (s: unknown) => void);
  }

  heldBytes(): number {
    return 0;
  }

  listen(port: unknown): this {
    const devicePort = Number(port) & 0xffff;
    if (this.#hs) return this;
    if (!this.#chip.budget.take()) throw this.#life.internalError("Unable to create socket");
    this.#slot = true;
    this.#chip.open.add(this);
    this.#life.own(this);
    const chip = this.#chip;
    const hs = hostNet.createServer({ allowHalfOpen: true }, (sock) => this.#accept(sock));
    this.#hs = hs;
    hs.on("error", (e: NodeJS.ErrnoException) => {
      chip.log(`listen on device port ${devicePort} failed: ${e.message}`);
      this.#life.report(this.#life.internalError(`Unable to create socket (host: ${e.code ?? e.message})`));
    });
    chip.binds.count++;
    hs.on("error", () => chip.binds.count--);
    chip.ports.listenOn(devicePort, (hostPort) =>
      hs.listen(hostPort, chip.bindAddress, () => {
        chip.binds.count--;
        chip.ports.record(devicePort, (hs.address() as hostNet.AddressInfo).port);
      }),
    );
    return this;
  }

  #accept(sock: hostNet.Socket): void {
    sock.on("error", () => {});
    if (!this.#life.alive || !this.#chip.linkUp() || !this.#chip.budget.take()) {
      this.#chip.stats.inboundRefused++;
      sock.destroy();
      return;
    }
    sock.setNoDelay(true);
    const s = new SimSocket(this.#chip, this.#life, sock);
    this.emit("connection", s);
  }

  close(): void {
    if (this.#hs) {
      this.#hs.close();
      this.#hs = null;
    }
    this.#free();
  }

  #free(): void {
    if (this.#slot) {
      this.#slot = false;
      this.#chip.budget.give();
      this.#chip.open.delete(this);
      this.#life.disown(this);
    }
  }

  kill(): void {
    this.close();
  }
}

/** Opens an outgoing connection; the slot is taken synchronously as Espruino does. */
export function connectOut(chip: Chip, life: Life, host: string, port: number): SimSocket {
  if (!chip.budget.take()) throw life.internalError("Unable to create socket");
  const s = new SimSocket(chip, life, null);
  if (!chip.linkUp()) {
    s.fail(-4);
    return s;
  }
  const hs = hostNet.connect({ host, port });
  hs.setNoDelay(true);
  let connected = false;
  hs.on("connect", () => {
    connected = true;
    if (life.alive) s.emit("connect", s);
  });
  s.attach(hs);
  hs.on("error", (e: NodeJS.ErrnoException) => {
    if (!connected) s.fail(hostErrorCode(e));
  });
  return s;
}

export function createNetModule(chip: Chip, life: Life): object {
  return {
    createServer(cb: unknown): SimServer {
      return new SimServer(chip, life, cb);
    },
    connect(options: unknown, cb?: (s: SimSocket) => void): SimSocket {
      let host = "localhost";
      let port = 80;
      if (typeof options === "string") {
        const u = new URL(options.indexOf("://") >= 0 ? options : "tcp://" + options);
        host = u.hostname;
        port = u.port ? Number(u.port) : 80;
      } else if (options && typeof options === "object") {
        const o = options as { host?: string; port?: number };
        if (o.host) host = String(o.host);
        if (o.port !== undefined) port = Number(o.port);
      }
      const s = connectOut(chip, life, host, port);
      if (typeof cb === "function") s.on("connect", cb as (x: unknown) => void);
      return s;
    },
  };
}

/*
 * TCP for the harness: connect with a timeout and a clear error naming the service, and a
 * reader that buffers what arrives so checks can await bytes, lines or the close. Holds
 * everything received until consumed (checks bound what they ask for).
 */
import net from "node:net";
import { HarnessError } from "./errors.ts";

export interface Endpoint {
  host: string;
  port: number;
  /** The service's name, for error messages ("line", "echo", "http"). */
  service: string;
}

function reason(e: NodeJS.ErrnoException): string {
  if (e.code === "ECONNREFUSED") return "connection refused";
  if (e.code === "EHOSTUNREACH" || e.code === "ENETUNREACH") return "no route to host";
  if (e.code === "ECONNRESET") return "connection reset";
  return e.code ?? e.message;
}

/** Opens a TCP connection; rejects with ECONNECT "cannot reach <host>:<port> (<service>)". */
export function connectTcp(ep: Endpoint, timeoutMs = 3000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: ep.host, port: ep.port });
    sock.setNoDelay(true);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new HarnessError("ECONNECT", `cannot reach ${ep.host}:${ep.port} (${ep.service}): no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once("connect", () => {
      clearTimeout(timer);
      sock.removeAllListeners("error");
      resolve(sock);
    });
    sock.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      sock.destroy();
      reject(new HarnessError("ECONNECT", `cannot reach ${ep.host}:${ep.port} (${ep.service}): ${reason(e)}`));
    });
  });
}

/** Buffers a socket's incoming bytes; the await methods resolve when enough has arrived. */
export class Reader {
  readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  /** True once the peer closed (end or error). */
  ended = false;
  /** Set when the connection failed with an error (reset and so on). */
  error?: string;
  /** Total bytes received. */
  received = 0;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.received += d.length;
      this.wake();
    });
    socket.on("end", () => {
      this.ended = true;
      this.wake();
    });
    socket.on("close", () => {
      this.ended = true;
      this.wake();
    });
    socket.on("error", (e: NodeJS.ErrnoException) => {
      this.error = reason(e);
      this.ended = true;
      this.wake();
    });
  }

  static async open(ep: Endpoint, timeoutMs = 3000): Promise<Reader> {
    return new Reader(await connectTcp(ep, timeoutMs));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Bytes received and not yet consumed. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Waits until `ready()` is true, the peer closed, or the timeout; returns whether ready. */
  private async until(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (this.ended) return ready();
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
    return true;
  }

  /** Exactly `n` bytes; throws ETIMEOUT or ECLOSED saying how many came. */
  async bytes(n: number, timeoutMs: number): Promise<Buffer> {
    const ok = await this.until(() => this.buf.length >= n, timeoutMs);
    if (!ok) {
      const got = this.buf.length;
      if (this.ended) throw new HarnessError("ECLOSED", `connection closed after ${got} of ${n} bytes${this.error ? ` (${this.error})` : ""}`);
      throw new HarnessError("ETIMEOUT", `${got} of ${n} bytes in ${timeoutMs} ms`);
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** At least one byte and at most `max` (whatever has arrived); throws ETIMEOUT or ECLOSED. */
  async some(max: number, timeoutMs: number): Promise<Buffer> {
    const ok = await this.until(() => this.buf.length > 0, timeoutMs);
    if (!ok) {
      if (this.ended) throw new HarnessError("ECLOSED", `connection closed${this.error ? ` (${this.error})` : ""}`);
      throw new HarnessError("ETIMEOUT", `nothing in ${timeoutMs} ms`);
    }
    const n = Math.min(max, this.buf.length);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Whatever is buffered now (possibly nothing). */
  take(): Buffer {
    const out = this.buf;
    this.buf = Buffer.alloc(0);
    return out;
  }

  /** One line without its `\n` (and a `\r` before it), as latin1; `raw` keeps the ending. */
  async line(timeoutMs: number): Promise<{ text: string; crlf: boolean }> {
    const ok = await this.until(() => this.buf.indexOf(10) >= 0, timeoutMs);
    if (!ok) {
      const partial = JSON.stringify(this.buf.subarray(0, 80).toString("latin1"));
      if (this.ended) throw new HarnessError("ECLOSED", `connection closed before a line${this.buf.length ? ` (partial ${partial})` : ""}${this.error ? ` (${this.error})` : ""}`);
      throw new HarnessError("ETIMEOUT", `no line in ${timeoutMs} ms${this.buf.length ? ` (partial ${partial})` : ""}`);
    }
    const i = this.buf.indexOf(10);
    const crlf = i > 0 && this.buf[i - 1] === 13;
    const text = this.buf.subarray(0, crlf ? i - 1 : i).toString("latin1");
    this.buf = this.buf.subarray(i + 1);
    return { text, crlf };
  }

  /** Waits for the peer to close; returns false on timeout. */
  async closed(timeoutMs: number): Promise<boolean> {
    return this.until(() => this.ended, timeoutMs);
  }

  /** Reads until the peer closes (or timeout); returns all bytes and whether it closed. */
  async all(timeoutMs: number): Promise<{ data: Buffer; closed: boolean }> {
    const closed = await this.closed(timeoutMs);
    return { data: this.take(), closed };
  }

  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed) {
        reject(new HarnessError("ECLOSED", "connection already closed"));
        return;
      }
      this.socket.write(data, (err) => (err ? reject(new HarnessError("ECLOSED", `write failed: ${reason(err as NodeJS.ErrnoException)}`)) : resolve()));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

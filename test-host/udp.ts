/*
 * UDP for the harness: a socket that sends datagrams and awaits the ones that come back, with
 * a timeout, keeping who sent each one.
 */
import dgram from "node:dgram";
import { HarnessError } from "./errors.ts";

export interface Datagram {
  data: Buffer;
  address: string;
  port: number;
  at: number;
}

export class UdpPeer {
  readonly socket: dgram.Socket;
  private queue: Datagram[] = [];
  private waiter: (() => void) | null = null;
  received = 0;

  private constructor(socket: dgram.Socket) {
    this.socket = socket;
    socket.on("message", (data, rinfo) => {
      this.received++;
      if (this.queue.length < 100000) this.queue.push({ data, address: rinfo.address, port: rinfo.port, at: Date.now() });
      const w = this.waiter;
      this.waiter = null;
      if (w) w();
    });
  }

  /** Binds on `host` (0.0.0.0 to be reachable from a board) and an ephemeral port, or `port`. */
  static open(host = "0.0.0.0", port = 0): Promise<UdpPeer> {
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket("udp4");
      s.once("error", reject);
      s.bind(port, host, () => {
        s.removeListener("error", reject);
        s.on("error", () => undefined);
        resolve(new UdpPeer(s));
      });
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(data: Uint8Array, port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(data, port, host, (e) => (e ? reject(e) : resolve())));
  }

  /** The next datagram, or null after `timeoutMs`. */
  async next(timeoutMs: number): Promise<Datagram | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((res) => {
        const t = setTimeout(() => {
          this.waiter = null;
          res();
        }, left);
        this.waiter = () => {
          clearTimeout(t);
          res();
        };
      });
    }
    return this.queue.shift() ?? null;
  }

  /** Everything queued now. */
  drain(): Datagram[] {
    const q = this.queue;
    this.queue = [];
    return q;
  }

  close(): void {
    try {
      this.socket.close();
    } catch (e) {
      if (!(e instanceof Error && /Not running/.test(e.message))) throw new HarnessError("EPROTO", String(e));
    }
  }
}

/*
 * Espruino's `dgram` over real host UDP sockets: createSocket('udp4'|{type}), bind(port, cb),
 * send(msg, port, address) or send(buf, offset, length, port, address) with no send callback,
 * 'message'(msg, {address, port, size}) with the message as a byte string, close(). A socket
 * takes a budget slot when it is bound (or first sends). As the ESP8266 port does, incoming
 * datagrams over 260 bytes are dropped (counted in the simulator's stats, nothing in JS).
 */
import * as hostDgram from "node:dgram";
import type { Chip, Held, Killable, Life } from "./chip.ts";
import { Emitter } from "./emitter.ts";
import { toByteString } from "./storage.ts";

/** Largest UDP payload the ESP8266 port delivers (docs/PROTOCOL.md, "Echo"). */
export const UDP_MAX_PAYLOAD = 260;

export class SimDgramSocket extends Emitter implements Killable, Held {
  #chip: Chip;
  #life: Life;
  #hs: hostDgram.Socket | null = null;
  #closed = false;

  constructor(chip: Chip, life: Life) {
    super(life.dispatch);
    this.#chip = chip;
    this.#life = life;
  }

  heldBytes(): number {
    return 0;
  }

  #open(devicePort: number, cb?: () => void): hostDgram.Socket {
    if (this.#hs) return this.#hs;
    if (this.#closed) throw this.#life.error("This socket is closed");
    if (!this.#chip.budget.take()) throw this.#life.internalError("Unable to create socket");
    const chip = this.#chip;
    const hs = hostDgram.createSocket("udp4");
    this.#hs = hs;
    chip.open.add(this);
    this.#life.own(this);
    hs.on("error", (e) => chip.log(`udp on device port ${devicePort}: ${e.message}`));
    hs.on("message", (msg, rinfo) => {
      if (!this.#life.alive || this.#closed) return;
      if (msg.length > UDP_MAX_PAYLOAD) {
        chip.stats.udpDropped++;
        return;
      }
      if (!chip.linkUp()) return;
      this.emit("message", msg.toString("latin1"), { address: rinfo.address, port: rinfo.port, size: msg.length });
    });
    const hostPort = devicePort > 0 ? chip.ports.resolve(devicePort) : 0;
    chip.binds.count++;
    hs.once("error", () => chip.binds.count--);
    hs.bind(hostPort, chip.bindAddress, () => {
      chip.binds.count--;
      if (devicePort > 0) chip.ports.record(devicePort, hs.address().port);
      if (cb) cb();
    });
    return hs;
  }

  bind(port: unknown, cb?: unknown): this {
    const p = Number(port) & 0xffff;
    this.#open(p, typeof cb === "function" ? () => this.#life.dispatch(cb as () => void, this, [this]) : undefined);
    return this;
  }

  send(msg: unknown, a: unknown, b: unknown, c?: unknown, d?: unknown): void {
    let data = toByteString(msg);
    let port: number;
    let address: string;
    if (d !== undefined) {
      data = data.substr(Number(a), Number(b));
      port = Number(c);
      address = String(d);
    } else {
      port = Number(a);
      address = String(b);
    }
    const hs = this.#open(0);
    if (!this.#chip.linkUp()) return;
    hs.send(Buffer.from(data, "latin1"), port, address);
  }

  addMembership(): void {}

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#shut();
    this.emit("close");
  }

  #shut(): void {
    if (this.#hs) {
      try {
        this.#hs.close();
      } catch {
        // already closed by the host
      }
      this.#hs = null;
      this.#chip.budget.give();
      this.#chip.open.delete(this);
      this.#life.disown(this);
    }
  }

  kill(): void {
    this.#closed = true;
    this.#shut();
  }
}

export function createDgramModule(chip: Chip, life: Life): object {
  return {
    createSocket(type: unknown, cb?: unknown): SimDgramSocket {
      const t = typeof type === "object" && type !== null ? (type as { type?: string }).type : type;
      if (t !== "udp4") throw life.error(`Unsupported socket type ${JSON.stringify(t)}`);
      const s = new SimDgramSocket(chip, life);
      if (typeof cb === "function") s.on("message", cb as () => void);
      return s;
    },
  };
}

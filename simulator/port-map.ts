/*
 * Maps the ports the firmware listens on (the board's: 8080, 8007, 4444, the console 2323, or
 * any other) to ports on the host, so that several simulators can run at once: the same number
 * (default), the number plus an offset, or free ports chosen at start ("ephemeral"; the board's
 * ports are reserved up front, others are picked when the firmware listens). TCP and UDP of one
 * device port share one host port number.
 */
import { createServer } from "node:net";
import { createSocket } from "node:dgram";

export type PortMode = { kind: "same" } | { kind: "offset"; offset: number } | { kind: "ephemeral" };

export class PortMap {
  readonly mode: PortMode;
  #map = new Map<number, number>();
  constructor(mode: PortMode) {
    this.mode = mode;
  }
  /** The host port for `devicePort`, or 0 when the OS is to choose (then call `record`). */
  resolve(devicePort: number): number {
    const known = this.#map.get(devicePort);
    if (known !== undefined) return known;
    if (this.mode.kind === "same") return devicePort;
    if (this.mode.kind === "offset") return devicePort + this.mode.offset;
    return 0;
  }
  record(devicePort: number, hostPort: number): void {
    this.#map.set(devicePort, hostPort);
  }
  /** Device port → host port, for every port mapped so far. */
  entries(): Record<number, number> {
    return Object.fromEntries(this.#map);
  }
  /** Reserves free host ports (free for TCP and UDP) for each of `devicePorts` (ephemeral mode). */
  async reserve(devicePorts: number[], host: string): Promise<void> {
    if (this.mode.kind !== "ephemeral") {
      for (const p of devicePorts) this.#map.set(p, this.resolve(p));
      return;
    }
    for (const p of devicePorts) {
      if (!this.#map.has(p)) this.#map.set(p, await freePort(host));
    }
  }
}

/** A port that is free for both TCP and UDP on `host` right now. */
export async function freePort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const srv = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(0, host, () => resolve((srv.address() as { port: number }).port));
    });
    const udp = createSocket("udp4");
    const ok = await new Promise<boolean>((resolve) => {
      udp.once("error", () => resolve(false));
      udp.bind(port, host, () => resolve(true));
    });
    await new Promise<void>((r) => srv.close(() => r()));
    await new Promise<void>((r) => {
      try {
        udp.close(() => r());
      } catch {
        r();
      }
    });
    if (ok) return port;
  }
  throw new Error("no free port found");
}

/*
 * Maps the ports the firmware listens on (the board's: 8080, 8007, 4444, the console 2323, or
 * any other) to ports on the host, so that several simulators can run at once: the same number
 * (default), the number plus an offset, or free ports chosen at start ("ephemeral"; the board's
 * ports are reserved up front, others are picked when the firmware listens). TCP and UDP of one
 * device port share one host port number.
 */
import { createServer, type Server } from "node:net";
import { createSocket } from "node:dgram";

export type PortMode = { kind: "same" } | { kind: "offset"; offset: number } | { kind: "ephemeral" };

export class PortMap {
  readonly mode: PortMode;
  #map = new Map<number, number>();
  /**
   * The reserved ports' TCP listeners, kept open until the device listens there (`listenOn`):
   * a port reserved and closed again could be taken meanwhile by another program, another
   * simulator's echo say, and a browser sent to "the web port" would get that service's bytes.
   */
  #holds = new Map<number, Server>();
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
      if (this.#map.has(p)) continue;
      const held = await heldFreePort(host);
      this.#map.set(p, held.port);
      this.#holds.set(p, held.server);
    }
  }
  /** Calls `listen(hostPort)` for `devicePort` once the port's hold (if any) is let go. */
  listenOn(devicePort: number, listen: (hostPort: number) => void): void {
    const hold = this.#holds.get(devicePort);
    const hostPort = this.resolve(devicePort);
    if (hold === undefined) return listen(hostPort);
    this.#holds.delete(devicePort);
    hold.close(() => listen(hostPort));
  }
  /** Lets go of every hold (the simulator stops). */
  releaseAll(): void {
    for (const h of this.#holds.values()) h.close();
    this.#holds.clear();
  }
}

/** A port free for TCP and UDP on `host`, its TCP listener kept open (the caller closes it). */
async function heldFreePort(host: string): Promise<{ port: number; server: Server }> {
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
    await new Promise<void>((r) => {
      try {
        udp.close(() => r());
      } catch {
        r();
      }
    });
    if (ok) return { port, server: srv };
    await new Promise<void>((r) => srv.close(() => r()));
  }
  throw new Error("no free port found");
}

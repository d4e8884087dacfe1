/*
 * What the emulated modules share: the chip (lives as long as the simulator: board, socket
 * budget, faults, radio link, port map) and the interpreter's life (one per boot, reset or
 * load: it owns the sockets and timers that reset() closes, and the realm errors belong to).
 */
import type { BoardConfig } from "../board-configs/schema.ts";
import type { Dispatch } from "./emitter.ts";
import type { PortMap } from "./port-map.ts";
import type { Faults, SocketBudget } from "./resources.ts";
import type { Rng } from "./rng.ts";

/** Anything the interpreter's life owns and reset() must end. */
export interface Killable {
  kill(): void;
}

/** An open socket, for the memory model. */
export interface Held {
  heldBytes(): number;
}

export interface ChipStats {
  /** Inbound TCP connections closed at once because no socket slot was free. */
  inboundRefused: number;
  /** UDP datagrams dropped for being over 260 bytes. */
  udpDropped: number;
}

export interface Chip {
  board: BoardConfig;
  budget: SocketBudget;
  faults: Faults;
  rng: Rng;
  ports: PortMap;
  /** Host address servers bind to (127.0.0.1). */
  bindAddress: string;
  /** Delay between chunks while the slow-drain fault is on. */
  slowDrainMs: number;
  /** True while the radio is up (station connected or access point on). */
  linkUp(): boolean;
  /** Called whenever the link comes back, to restart stalled transfers. */
  onLinkUp: Set<() => void>;
  open: Set<Held>;
  /** Host listens and binds not yet done (start-up waits for them). */
  binds: { count: number };
  stats: ChipStats;
  /** Writes to the simulator's own log (not the device console). */
  log(line: string): void;
}

export interface Life {
  alive: boolean;
  dispatch: Dispatch;
  /** Prints an exception the way Espruino does ("Uncaught ..."). */
  report(err: unknown): void;
  error(msg: string): Error;
  internalError(msg: string): Error;
  own(k: Killable): void;
  disown(k: Killable): void;
}

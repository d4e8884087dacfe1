/*
 * The simulated chip's shared resources: the socket budget (Espruino's MAX_SOCKETS on the
 * ESP8266: listeners, accepted and outgoing connections, UDP sockets and the console all take a
 * slot), the fault switches, and the memory model behind `process.memory()`.
 *
 * The memory figures are a MODEL, not a measurement: free = total − base − perSocket × open
 * sockets − held bytes / bytesPerVar, where held bytes are what sockets hold in their send and
 * receive buffers (Espruino keeps them in JsVar strings, 8 characters per 12-byte block).
 * Figures the project reports come from the real interpreter.
 */

export class SocketBudget {
  readonly total: number;
  #used = 0;
  constructor(total: number) {
    this.total = total;
  }
  get used(): number {
    return this.#used;
  }
  get free(): number {
    return this.total - this.#used;
  }
  /** Takes a slot; false when all are taken. */
  take(): boolean {
    if (this.#used >= this.total) return false;
    this.#used++;
    return true;
  }
  give(): void {
    if (this.#used > 0) this.#used--;
  }
}

export interface Faults {
  /** Free variables are clamped low (process.memory, E.getErrorFlags report LOW_MEMORY). */
  lowMemory: boolean;
  /** Each send of a chunk waits `slowDrainMs` before the next one, so `drain` comes late. */
  slowDrain: boolean;
  /** Incoming TCP data is delivered in chunks of random sizes (1..chunkSize). */
  splitRandom: boolean;
}

export interface MemoryModelOptions {
  /** Variables the interpreter and an idle firmware use (default 300). */
  base: number;
  /** Variables per open socket of any kind (default 12). */
  perSocket: number;
  /** Bytes held in socket buffers per variable (default 8: Espruino's 8 chars per block). */
  bytesPerVar: number;
  /** Free variables reported while the low-memory fault is on (default 40). */
  lowMemoryFree: number;
}

export const DEFAULT_MEMORY_MODEL: MemoryModelOptions = { base: 300, perSocket: 12, bytesPerVar: 8, lowMemoryFree: 40 };

export interface MemoryReport {
  free: number;
  usage: number;
  total: number;
  history: number;
  gc: number;
  gctime: number;
  blocksize: number;
}

export function memoryReport(total: number, sockets: number, heldBytes: number, model: MemoryModelOptions, lowMemory: boolean): MemoryReport {
  let free = total - model.base - model.perSocket * sockets - Math.ceil(heldBytes / model.bytesPerVar);
  if (lowMemory) free = Math.min(free, model.lowMemoryFree);
  free = Math.max(0, free);
  return { free, usage: total - free, total, history: 0, gc: 0, gctime: 0, blocksize: 12 };
}

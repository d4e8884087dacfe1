/*
 * Espruino's `Storage`, backed by files in the simulator's state folder so that it survives a
 * restart. Every change is written through at once (nothing to flush on exit).
 *
 * Reproduced: the board's capacity (`storageBytes`), a 32-byte header per file and data padded to
 * 4 bytes, names of 1..28 characters, byte strings (one char per byte), `write(name, data,
 * offset, size)` pre-sizing a file with 0xFF bytes, rewrites and erases leaving trash until
 * `compact()` (done automatically when a write would not fit), `writeJSON` with unquoted keys.
 * Modelled: no pages or wear; `read()` returns an ordinary string (Espruino's is memory-mapped).
 * Not provided: `open()`/StorageFile, `hash`, `optimise`, `readArrayBuffer`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { espruinoJSON, toStandardJSON } from "./inspect.ts";

export const STORAGE_HEADER_BYTES = 32;
export const STORAGE_MAX_NAME = 28;

export interface StorageStats {
  totalBytes: number;
  freeBytes: number;
  fileBytes: number;
  fileCount: number;
  trashBytes: number;
  trashCount: number;
}

const cost = (len: number): number => STORAGE_HEADER_BYTES + ((len + 3) & ~3);
const hexName = (name: string): string => Buffer.from(name, "latin1").toString("hex");

/** Converts what the firmware passes as data into a byte string. */
export function toByteString(data: unknown): string {
  if (typeof data === "string") return Buffer.from(data, "latin1").toString("latin1");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1");
  if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === "[object ArrayBuffer]") {
    return Buffer.from(data as ArrayBuffer).toString("latin1");
  }
  if (Array.isArray(data)) return String.fromCharCode(...data.map((x) => Number(x) & 0xff));
  if (data === undefined || data === null) return "";
  if (typeof data === "object") return espruinoJSON(data);
  return String(data);
}

/** The flash store itself (host side); `createStorageModule` wraps it for the firmware. */
export class FlashStore {
  readonly capacity: number;
  readonly dir: string;
  #files = new Map<string, string>();
  #trashBytes = 0;
  #trashCount = 0;

  constructor(stateDir: string, capacity: number) {
    this.capacity = capacity;
    this.dir = join(stateDir, "storage");
    mkdirSync(this.dir, { recursive: true });
    for (const f of readdirSync(this.dir)) {
      if (!f.endsWith(".bin")) continue;
      const name = Buffer.from(f.slice(0, -4), "hex").toString("latin1");
      this.#files.set(name, readFileSync(join(this.dir, f)).toString("latin1"));
    }
    const meta = join(stateDir, "storage-trash.json");
    if (existsSync(meta)) {
      const m = JSON.parse(readFileSync(meta, "utf8")) as { bytes: number; count: number };
      this.#trashBytes = m.bytes;
      this.#trashCount = m.count;
    }
  }

  #persist(name: string): void {
    const p = join(this.dir, hexName(name) + ".bin");
    const data = this.#files.get(name);
    if (data === undefined) rmSync(p, { force: true });
    else writeFileSync(p, Buffer.from(data, "latin1"));
    writeFileSync(join(this.dir, "..", "storage-trash.json"), JSON.stringify({ bytes: this.#trashBytes, count: this.#trashCount }));
  }

  stats(): StorageStats {
    let fileBytes = 0;
    for (const d of this.#files.values()) fileBytes += cost(d.length);
    return {
      totalBytes: this.capacity,
      freeBytes: Math.max(0, this.capacity - fileBytes - this.#trashBytes),
      fileBytes,
      fileCount: this.#files.size,
      trashBytes: this.#trashBytes,
      trashCount: this.#trashCount,
    };
  }

  names(): string[] {
    return Array.from(this.#files.keys());
  }

  read(name: string): string | undefined {
    return this.#files.get(name);
  }

  #trash(name: string): void {
    const old = this.#files.get(name);
    if (old === undefined) return;
    this.#trashBytes += cost(old.length);
    this.#trashCount++;
    this.#files.delete(name);
  }

  /** Makes room for `bytes` more (compacting if needed); false when it cannot fit. */
  #room(bytes: number, replacing: string | undefined): boolean {
    const s = this.stats();
    const freed = replacing !== undefined && this.#files.has(replacing) ? cost(this.#files.get(replacing)!.length) : 0;
    if (s.freeBytes >= bytes) return true;
    if (s.freeBytes + s.trashBytes + freed >= bytes) {
      if (replacing !== undefined) this.#trash(replacing);
      this.compact();
      return this.stats().freeBytes >= bytes;
    }
    return false;
  }

  /** Espruino's write: whole file, or a pre-sized file (`size`) written at `offset`. */
  write(name: string, data: string, offset: number | undefined, size: number | undefined): boolean {
    const off = offset === undefined ? 0 : Math.floor(offset);
    if (size !== undefined || off > 0) {
      if (size !== undefined && off === 0) {
        const total = Math.max(size, data.length);
        if (!this.#room(cost(total), name)) return false;
        this.#trash(name);
        this.#files.set(name, data + "\xff".repeat(total - data.length));
      } else {
        const cur = this.#files.get(name);
        if (cur === undefined || off + data.length > cur.length) return false;
        this.#files.set(name, cur.slice(0, off) + data + cur.slice(off + data.length));
      }
    } else {
      if (!this.#room(cost(data.length), name)) return false;
      this.#trash(name);
      this.#files.set(name, data);
    }
    this.#persist(name);
    return true;
  }

  erase(name: string): void {
    if (!this.#files.has(name)) return;
    this.#trash(name);
    this.#persist(name);
  }

  eraseAll(): void {
    for (const n of this.names()) {
      this.#files.delete(n);
      this.#persist(n);
    }
    this.#trashBytes = 0;
    this.#trashCount = 0;
    writeFileSync(join(this.dir, "..", "storage-trash.json"), JSON.stringify({ bytes: 0, count: 0 }));
  }

  compact(): void {
    this.#trashBytes = 0;
    this.#trashCount = 0;
    writeFileSync(join(this.dir, "..", "storage-trash.json"), JSON.stringify({ bytes: 0, count: 0 }));
  }
}

export interface StorageModuleDeps {
  store: FlashStore;
  /** Makes an Error of the firmware's realm. */
  error: (msg: string) => Error;
  /** Parses standard JSON in the firmware's realm. */
  parseJSON: (text: string) => unknown;
}

function checkName(name: unknown, deps: StorageModuleDeps): string {
  const n = String(name);
  if (n.length === 0 || n.length > STORAGE_MAX_NAME) throw deps.error(`File name too long (max ${STORAGE_MAX_NAME} chars): ${JSON.stringify(n)}`);
  return n;
}

/** The object `require("Storage")` returns. */
export function createStorageModule(deps: StorageModuleDeps): object {
  const { store } = deps;
  return {
    read(name: string, offset?: number, length?: number): string | undefined {
      const d = store.read(checkName(name, deps));
      if (d === undefined) return undefined;
      const off = offset ?? 0;
      return length === undefined ? d.slice(off) : d.slice(off, off + length);
    },
    readJSON(name: string, noExceptions?: boolean): unknown {
      const d = store.read(checkName(name, deps));
      if (d === undefined) return undefined;
      try {
        return deps.parseJSON(toStandardJSON(d));
      } catch (e) {
        if (noExceptions) return undefined;
        throw deps.error(`JSON parse error in ${name}: ${(e as Error).message}`);
      }
    },
    write(name: string, data: unknown, offset?: number, size?: number): boolean {
      return store.write(checkName(name, deps), toByteString(data), offset, size);
    },
    writeJSON(name: string, data: unknown): boolean {
      return store.write(checkName(name, deps), espruinoJSON(data), undefined, undefined);
    },
    list(regex?: { test(s: string): boolean }): string[] {
      const names = store.names();
      return regex && typeof regex.test === "function" ? names.filter((n) => regex.test(n)) : names;
    },
    erase(name: string): void {
      store.erase(checkName(name, deps));
    },
    eraseAll(): void {
      store.eraseAll();
    },
    getFree(): number {
      return store.stats().freeBytes;
    },
    getStats(): StorageStats {
      return store.stats();
    },
    compact(): void {
      store.compact();
    },
  };
}

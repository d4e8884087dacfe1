/*
 * The simulated chip: its hardware (flash, radio, pins, socket budget) lives as long as the
 * simulator; the interpreter's life is replaced at every boot, reset() and load(), which close
 * every socket and timer the old life had (as Espruino's jsiKill does) without firing events.
 *
 * Boot order (simulator/README.md, "Boot"): `.varimg` (here: code replayed, see save()), the console
 * turned on, `.boot0`..`.boot3`, `.bootcde` (or `.bootrst`), E.on('init'), onInit(); on power-on,
 * then the Wi-Fi config from `.wificfg`. When flash holds no program (no `.varimg`, `.bootcde`,
 * `.bootrst`), the bundle named on the command line is run in place of `.bootcde`.
 * reset() clears RAM and runs only `.bootrst`; load() boots from flash again; load(f) resets and
 * runs Storage file f. Both happen once the current code has returned, as on the chip.
 */
import { readFileSync } from "node:fs";
import * as vm from "node:vm";
import type { BoardConfig } from "../board-configs/schema.ts";
import type { Chip, Killable, Life } from "./chip.ts";
import { buildContext } from "./context.ts";
import type { ConsoleServer } from "./console-repl.ts";
import { Emitter, type Listener } from "./emitter.ts";
import { replPrint } from "./inspect.ts";
import { PinBank } from "./pins.ts";
import type { MemoryModelOptions } from "./resources.ts";
import { FlashStore } from "./storage.ts";
import { WifiRadio } from "./wifi.ts";

interface Timer {
  handle: NodeJS.Timeout;
  run: () => void;
  repeat: boolean;
}

export class LifeImpl implements Life {
  alive = true;
  owned = new Set<Killable>();
  timers = new Map<number, Timer>();
  /** Lines the console ran since this life began (what save() keeps). */
  replLog: string[] = [];
  /** Code this life booted from, when it was the command line's bundle. */
  bootSource = "";
  ctx!: vm.Context;
  E!: Emitter;
  error: (msg: string) => Error = (m) => new Error(m);
  internalError: (msg: string) => Error = (m) => new Error(m);
  readonly dispatch: (fn: Listener, self: unknown, args: unknown[]) => void;
  readonly report: (err: unknown) => void;

  constructor(report: (err: unknown) => void) {
    this.report = report;
    this.dispatch = (fn, self, args) => {
      if (!this.alive) return;
      try {
        fn.apply(self, args);
      } catch (e) {
        this.report(e);
      }
    };
  }

  own(k: Killable): void {
    this.owned.add(k);
  }

  disown(k: Killable): void {
    this.owned.delete(k);
  }

  kill(): void {
    this.alive = false;
    for (const t of this.timers.values()) clearTimeout(t.handle);
    this.timers.clear();
    for (const k of Array.from(this.owned)) k.kill();
    this.owned.clear();
  }
}

export interface DeviceOptions {
  board: BoardConfig;
  chip: Chip;
  store: FlashStore;
  radio: WifiRadio;
  pins: PinBank;
  bundlePath: string;
  firmwareVersion: string;
  memoryModel: MemoryModelOptions;
  /** Every byte the device writes to its console, wherever it goes. */
  onConsole: (text: string) => void;
  /** What goes to the serial console (no console client, or E.setConsole("Serial1")). */
  onSerial: (text: string) => void;
}

export class Device {
  readonly board: BoardConfig;
  readonly chip: Chip;
  readonly store: FlashStore;
  readonly radio: WifiRadio;
  readonly pins: PinBank;
  readonly memoryModel: MemoryModelOptions;
  bundlePath: string;
  firmwareVersion: string;
  life: LifeImpl;
  console: ConsoleServer | null = null;
  /** "Telnet" (the console port, when a client is on), "Serial1", or "null". */
  consoleDevice = "Telnet";
  consolePassword: string | undefined;
  #onConsole: (text: string) => void;
  #onSerial: (text: string) => void;
  #t0 = performance.now();
  #timeOffset = 0;

  constructor(o: DeviceOptions) {
    this.board = o.board;
    this.chip = o.chip;
    this.store = o.store;
    this.radio = o.radio;
    this.pins = o.pins;
    this.bundlePath = o.bundlePath;
    this.firmwareVersion = o.firmwareVersion;
    this.memoryModel = o.memoryModel;
    this.#onConsole = o.onConsole;
    this.#onSerial = o.onSerial;
    this.life = new LifeImpl((e) => this.reportError(e));
    this.life.alive = false;
  }

  env(): Record<string, unknown> {
    const b = this.board;
    return {
      VERSION: b.espruino.version,
      GIT_COMMIT: "simulator",
      BOARD: b.espruino.build,
      RAM: 81920,
      FLASH: 0,
      STORAGE: b.storageBytes,
      SERIAL: "sim-00000001",
      CONSOLE: this.console?.hasClient() ? "Telnet" : "Serial1",
      MODULES: ["Flash", "Storage", "heatshrink", "net", "dgram", "http", "NetworkJS", b.wifi ? "Wifi" : "", "ESP8266", "TelnetServer", "crypto", "neopixel"].filter(Boolean).join(","),
      EXPTR: 0,
      SIMULATOR: true,
      FIRMWARE_VERSION: this.firmwareVersion,
    };
  }

  time(): number {
    return (performance.now() - this.#t0) / 1000 + this.#timeOffset;
  }

  setTime(t: number): void {
    this.#timeOffset = t - (performance.now() - this.#t0) / 1000;
  }

  formatValue(v: unknown): string {
    if (v !== null && typeof v === "object" && typeof (v as Error).message === "string" && typeof (v as Error).name === "string") {
      return `${(v as Error).name}: ${(v as Error).message}`;
    }
    return replPrint(v);
  }

  /** Console output: to the console client, or to serial; "\n" becomes "\r\n" as Espruino prints it. */
  consoleWrite(text: string): void {
    const crlf = text.replace(/\r?\n/g, "\r\n");
    this.#onConsole(crlf);
    if (this.consoleDevice === "Telnet" && this.console?.hasClient()) this.console.output(crlf);
    else if (this.consoleDevice !== "null") this.#onSerial(crlf);
  }

  reportError(e: unknown): void {
    let msg: string;
    if (e !== null && typeof e === "object" && typeof (e as Error).message === "string") {
      const err = e as Error;
      const text = err.name === "ReferenceError" ? err.message.replace(/^(\S+) is not defined$/, '"$1" is not defined') : err.message;
      msg = `Uncaught ${err.name || "Error"}: ${text}\n`;
      const stack = typeof err.stack === "string" ? err.stack.split("\n").find((l) => /^\s+at /.test(l)) : undefined;
      if (stack) msg += ` ${stack.trim().replace(/\(.*\)$/, "").trim()}\n`;
    } else msg = `Uncaught ${typeof e === "string" ? e : replPrint(e)}\n`;
    this.consoleWrite(msg);
  }

  /** Runs `fn` once the code now running has returned (reset/load/save are deferred on the chip too). */
  later(fn: () => void): void {
    setImmediate(fn);
  }

  #run(code: string, filename: string): boolean {
    try {
      vm.runInContext(code, this.life.ctx, { filename });
      return true;
    } catch (e) {
      this.reportError(e);
      return false;
    }
  }

  /**
   * Starts a new interpreter life. `power`: power-on (also applies `.wificfg`); `load`: from flash
   * (or Storage file `file`); `reset`: empty RAM, `.bootrst` only (`clearFlash` erases saved code).
   */
  boot(kind: "power" | "load" | "reset", file?: string, clearFlash = false): void {
    if (this.life.alive) {
      this.life.E?.emit("kill");
      this.life.kill();
    }
    this.radio.target = null;
    this.consoleDevice = "Telnet";
    const life = new LifeImpl((e) => this.reportError(e));
    this.life = life;
    buildContext(this, life);
    this.console?.setMode(true);
    if (kind === "reset") {
      if (clearFlash) {
        for (const n of [".varimg", ".bootcde", ".bootrst", ".boot0", ".boot1", ".boot2", ".boot3"]) this.store.erase(n);
      }
      this.consoleWrite(this.banner());
      const rst = this.store.read(".bootrst");
      if (rst !== undefined) this.#run(rst, ".bootrst");
      return;
    }
    if (kind === "load" && file !== undefined) {
      const src = this.store.read(file);
      if (src === undefined) this.reportError(life.error(`File ${JSON.stringify(file)} not found`));
      else this.#run(src, file);
    } else {
      const img = this.store.read(".varimg");
      if (img !== undefined) this.#run(img, ".varimg");
      for (const n of [".boot0", ".boot1", ".boot2", ".boot3"]) {
        const s = this.store.read(n);
        if (s !== undefined) this.#run(s, n);
      }
      const code = this.store.read(".bootrst") ?? this.store.read(".bootcde");
      if (code !== undefined) this.#run(code, this.store.read(".bootrst") !== undefined ? ".bootrst" : ".bootcde");
      else if (img === undefined) {
        const bundle = readFileSync(this.bundlePath, "utf8");
        life.bootSource = bundle;
        this.#run(bundle, this.bundlePath);
      }
    }
    if (!life.alive) return;
    life.E.emit("init");
    const onInit = (vm.runInContext("this", life.ctx) as Record<string, unknown>).onInit;
    if (typeof onInit === "function") life.dispatch(onInit as Listener, undefined, []);
    if (kind === "power" && this.board.wifi) this.radio.restoreSaved();
  }

  banner(): string {
    return `\n ____                 _ \n|  __|___ ___ ___ _ _|_|___ ___ \n|  __|_ -| . |  _| | | |   | . |\n|____|___|  _|_| |___|_|_|_|___|\n         |_| espruino.com\n ${this.board.espruino.version} (c) 2025 G.Williams  [simulator: ${this.board.name}]\n\n`;
  }

  /** save(): keeps what this life ran (its boot bundle and every console line) as `.varimg`. */
  saveImage(): void {
    const img = [this.life.bootSource, ...this.life.replLog].filter((s) => s.length > 0).join("\n;\n");
    this.store.write(".varimg", img, undefined, undefined);
    this.consoleWrite(`Compacting Flash...\nWriting ${img.length} bytes of code as .varimg (simulator: replayed at boot)\nDone!\n`);
  }

  /** Runs one console line; the result for `=value`, or the exception (already printed). */
  evalLine(line: string): { ok: true; value: unknown } | { ok: false } {
    try {
      const value = vm.runInContext(line, this.life.ctx, { filename: "REPL" });
      this.life.replLog.push(line);
      return { ok: true, value };
    } catch (e) {
      this.reportError(e);
      return { ok: false };
    }
  }
}

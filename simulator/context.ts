/*
 * The interpreter's global scope for one life (boot, reset or load): a Node `vm` context with
 * Espruino's globals and `require()` modules, and without the builtins Espruino lacks (Map, Set,
 * WeakMap, Symbol, Proxy, Reflect, Array.from, Object.freeze, Number.isInteger, Math.trunc,
 * Promise.prototype.finally, ...; Node's own globals such as Buffer, setImmediate, queueMicrotask,
 * structuredClone, TextEncoder, fetch and process are never put in). Every object gets Espruino's
 * built-in EventEmitter methods (on/emit/removeListener/removeAllListeners, no once/off).
 * Only what the firmware may meet on Espruino is here (simulator/README.md, "What it reproduces");
 * see README.md for what is not.
 */
import * as vm from "node:vm";
import type { Device, LifeImpl } from "./device.ts";
import { createDgramModule } from "./dgram.ts";
import { Emitter } from "./emitter.ts";
import { createHttpModule } from "./http-client.ts";
import { createNetModule, SimServer, SimSocket } from "./net.ts";
import { PinBank, PIN_A0 } from "./pins.ts";
import { memoryReport } from "./resources.ts";
import { createStorageModule, toByteString } from "./storage.ts";
import { createWifiModule } from "./wifi.ts";
import { espruinoJSON } from "./inspect.ts";

/**
 * Espruino 2v29's String.indexOf as JavaScript text: given V8's, a function that also reports a
 * match where the rest of the string is only the beginning of what is searched (docs/MEMORY.md
 * rule 11). The simulator installs it; unit tests of lib use it through test/helpers.
 */
export const ESPRUINO_INDEXOF = `function (nativeIndexOf) {
  return function espIndexOf(sub, from) {
    var s = String(this);
    sub = String(sub);
    if (sub.length > s.length) return -1;
    var i = from === undefined ? 0 : Math.max(0, Math.min(Number(from) || 0, s.length - sub.length + 1));
    var real = nativeIndexOf.call(s, sub, i);
    if (real >= 0) return real;
    // No whole match: the first place from which the rest of the string begins sub.
    for (var k = Math.max(i, s.length - sub.length + 1); k < s.length; k++) {
      if (sub.substring(0, s.length - k) === s.substring(k)) return k;
    }
    return -1;
  };
}`;

/** Run inside the new context: removes what Espruino lacks and adds what it has that V8 lacks. */
const PRELUDE = `(function (g) {
  function del(o, names) { for (var i = 0; i < names.length; i++) { try { delete o[names[i]]; } catch (e) {} } }
  del(g, ["Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "Symbol", "Proxy", "Reflect",
    "RangeError", "EvalError", "URIError", "AggregateError", "Intl", "WebAssembly", "SharedArrayBuffer", "Atomics",
    "BigInt", "BigInt64Array", "BigUint64Array", "Iterator", "escape", "unescape"]);
  del(Array, ["from", "of"]);
  del(Array.prototype, ["flat", "flatMap", "lastIndexOf", "reduceRight", "keys", "values", "entries", "findLast", "findLastIndex", "at"]);
  del(String, ["raw", "fromCodePoint"]);
  del(String.prototype, ["trimStart", "trimEnd", "trimLeft", "trimRight", "at", "codePointAt", "localeCompare", "normalize", "matchAll"]);
  // Espruino 2v29's String.indexOf (and includes, built on it) also match where the end of the
  // string is only the start of what is searched: "abc ".indexOf(" zz") is 3 (docs/MEMORY.md
  // rule 11, lib/find.ts). The simulator does the same, so a test shows code that trusts such a match.
  (function () {
    var espIndexOf = (${ESPRUINO_INDEXOF})(String.prototype.indexOf);
    Object.defineProperty(String.prototype, "indexOf", { value: espIndexOf, writable: true, configurable: true, enumerable: false });
    Object.defineProperty(String.prototype, "includes", { value: function (sub, from) { return espIndexOf.call(this, sub, from) >= 0; }, writable: true, configurable: true, enumerable: false });
  })();
  del(Number, ["isInteger", "isFinite", "isNaN", "isSafeInteger", "EPSILON", "MAX_SAFE_INTEGER", "MIN_SAFE_INTEGER"]);
  del(Number.prototype, ["toPrecision"]);
  del(Math, ["trunc", "log2", "log10", "hypot", "cbrt"]);
  del(Object, ["freeze", "seal", "is", "isFrozen", "isSealed"]);
  del(Promise.prototype, ["finally"]);
  del(Promise, ["race", "allSettled", "any"]);
  function InternalError(message) {
    if (!(this instanceof InternalError)) return new InternalError(message);
    this.message = message === undefined ? "" : String(message);
  }
  InternalError.prototype = Object.create(Error.prototype);
  InternalError.prototype.constructor = InternalError;
  InternalError.prototype.name = "InternalError";
  g.InternalError = InternalError;
  var KEY = "\\xFFon";
  function listeners(o, ev, make) {
    var k = KEY + ev;
    if (!Object.prototype.hasOwnProperty.call(o, k)) {
      if (!make) return undefined;
      Object.defineProperty(o, k, { value: [], writable: true, configurable: true, enumerable: false });
    }
    return o[k];
  }
  function def(name, fn) { Object.defineProperty(Object.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false }); }
  def("on", function (ev, fn) { listeners(this, ev, true).push(fn); return this; });
  def("addListener", function (ev, fn) { return this.on(ev, fn); });
  def("prependListener", function (ev, fn) { listeners(this, ev, true).unshift(fn); return this; });
  def("emit", function (ev) {
    var l = listeners(this, ev, false);
    if (!l) return false;
    var args = Array.prototype.slice.call(arguments, 1);
    var copy = l.slice();
    for (var i = 0; i < copy.length; i++) copy[i].apply(this, args);
    return copy.length > 0;
  });
  def("removeListener", function (ev, fn) { var l = listeners(this, ev, false); if (l) { var i = l.indexOf(fn); if (i >= 0) l.splice(i, 1); } return this; });
  def("removeAllListeners", function (ev) {
    if (ev === undefined) { var ks = Object.getOwnPropertyNames(this); for (var i = 0; i < ks.length; i++) if (ks[i].indexOf(KEY) === 0) delete this[ks[i]]; }
    else delete this[KEY + ev];
    return this;
  });
})(this);`;

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** A model of E.getSizeOf: blocks of 12 bytes for the value's data, one per property name. */
function sizeOf(v: unknown, seen: Set<unknown> = new Set()): number {
  if (v === null || v === undefined || typeof v === "number" || typeof v === "boolean") return 1;
  if (typeof v === "string") return 1 + Math.ceil(Math.max(0, v.length - 4) / 8);
  if (typeof v === "function") return 2 + Math.ceil(String(v).length / 64);
  if (typeof v !== "object" || seen.has(v)) return 1;
  seen.add(v);
  if (ArrayBuffer.isView(v)) return 2 + Math.ceil(v.byteLength / 12);
  let n = 1;
  for (const k of Object.keys(v)) n += 1 + sizeOf((v as Record<string, unknown>)[k], seen);
  return n;
}

export function buildContext(dev: Device, life: LifeImpl): vm.Context {
  const sandbox: Record<string, unknown> = {};
  const ctx = vm.createContext(sandbox, { name: `espruino-${dev.board.name}`, codeGeneration: { strings: true, wasm: false } });
  vm.runInContext(PRELUDE, ctx);
  const g = vm.runInContext("this", ctx) as Record<string, unknown>;
  const CtxError = g.Error as ErrorConstructor;
  const CtxInternal = g.InternalError as ErrorConstructor;
  const ctxJSON = g.JSON as JSON;
  life.error = (msg: string) => new CtxError(msg);
  life.internalError = (msg: string) => new CtxInternal(msg);
  life.ctx = ctx;

  const chip = dev.chip;
  const text = (args: unknown[]): string => args.map((a) => (typeof a === "string" ? a : dev.formatValue(a))).join(" ");
  const print = (...args: unknown[]): void => dev.consoleWrite(text(args) + "\n");

  // Timers: numbers as ids, callbacks through the life's dispatch.
  let nextTimer = 1;
  const addTimer = (fn: unknown, ms: unknown, args: unknown[], repeat: boolean): number => {
    const id = nextTimer++;
    const period = Math.max(0, Number(ms) || 0);
    const run = (): void => {
      if (!repeat) life.timers.delete(id);
      if (typeof fn === "function") life.dispatch(fn as () => void, undefined, args);
      else if (typeof fn === "string") life.dispatch(() => vm.runInContext(fn, ctx), undefined, []);
    };
    life.timers.set(id, { handle: repeat ? setInterval(run, period) : setTimeout(run, period), run, repeat });
    return id;
  };
  const clearTimer = (id: unknown): void => {
    if (id === undefined) {
      for (const t of life.timers.values()) clearTimeout(t.handle);
      life.timers.clear();
      return;
    }
    const t = life.timers.get(Number(id));
    if (t) {
      clearTimeout(t.handle);
      life.timers.delete(Number(id));
    }
  };

  const pins = dev.pins;
  const pinOf = (p: unknown): number => PinBank.parse(p);
  const E = new Emitter(life.dispatch);
  life.E = E;
  Object.assign(E, {
    toString(...args: unknown[]): string {
      return args.map((a) => (typeof a === "number" ? String.fromCharCode(a & 0xff) : toByteString(a))).join("");
    },
    getSizeOf(v: unknown): number {
      return sizeOf(v);
    },
    setConsole(device: unknown): void {
      dev.consoleDevice = device === null || device === undefined ? "null" : String(device);
    },
    setPassword(pw: unknown): void {
      dev.consolePassword = pw === undefined || pw === null ? undefined : String(pw);
    },
    lockConsole(): void {
      if (dev.consolePassword !== undefined) dev.console?.lock();
    },
    getErrorFlags(): string[] {
      return chip.faults.lowMemory ? ["LOW_MEMORY"] : [];
    },
    setBootCode(code: unknown, alwaysExec?: unknown): void {
      dev.store.write(alwaysExec ? ".bootrst" : ".bootcde", toByteString(code), undefined, undefined);
    },
    reboot(): void {
      setImmediate(() => dev.boot("power"));
    },
    getFlags(): object {
      return { pretokenise: 0 };
    },
    setFlags(): void {},
    setClock(): void {},
    enableWatchdog(): void {},
    kickWatchdog(): void {},
    hwRand(): number {
      return Math.floor(chip.rng.next() * 4294967296) | 0;
    },
    defrag(): void {},
  });
  for (const k of Object.keys(E)) Object.defineProperty(E, k, { enumerable: false });

  const proc = new Emitter(life.dispatch);
  Object.defineProperty(proc, "env", { get: () => dev.env(), enumerable: true });
  Object.assign(proc, {
    version: dev.board.espruino.version,
    memory(): object {
      let held = 0;
      for (const s of chip.open) held += s.heldBytes();
      return memoryReport(dev.board.variables.total, chip.open.size + (dev.console?.socketCount() ?? 0), held, dev.memoryModel, chip.faults.lowMemory);
    },
  });

  const modules: Record<string, unknown> = {};
  const builtins: Record<string, () => unknown> = {
    net: () => createNetModule(chip, life),
    dgram: () => createDgramModule(chip, life),
    http: () => createHttpModule(chip, life, dev.board.espruino.version),
    Storage: () => createStorageModule({ store: dev.store, error: life.error, parseJSON: (t) => ctxJSON.parse(t) }),
    TelnetServer: () => ({
      setOptions(opts: unknown): void {
        const mode = (opts as { mode?: string } | undefined)?.mode;
        if (mode === "off") dev.console?.setMode(false);
        else if (mode === "on") dev.console?.setMode(true);
      },
    }),
    url: () => ({
      parse(s: unknown, parseQuery?: unknown): object {
        const str = String(s);
        const u = new URL(str.indexOf("://") >= 0 ? str : "http://localhost" + (str[0] === "/" ? "" : "/") + str);
        const query: Record<string, string> = {};
        if (parseQuery) u.searchParams.forEach((v, k) => (query[k] = v));
        const hasHost = str.indexOf("://") >= 0;
        return {
          protocol: hasHost ? u.protocol : undefined,
          method: "GET",
          host: hasHost ? u.hostname : "",
          path: u.pathname + u.search,
          pathname: u.pathname,
          search: u.search || null,
          port: u.port ? Number(u.port) : null,
          query: parseQuery ? query : u.search ? u.search.slice(1) : null,
        };
      },
    }),
    ESP8266: () => ({
      getState(): object {
        return { sdkVersion: "2.2.1(sim)", cpuFrequency: 160, freeHeap: 12000, maxCon: dev.board.socketBudget, flashMap: "4MB:1024/1024", flashKB: 4096, flashChip: "0x00 0x0000" };
      },
      reboot(): void {
        setImmediate(() => dev.boot("power"));
      },
      getResetInfo(): object {
        return { code: 0, reason: "power on" };
      },
    }),
  };
  if (dev.board.wifi) {
    builtins.Wifi = () => createWifiModule(dev.radio, new Emitter(life.dispatch), (fn, ...args) => life.dispatch(fn as () => void, undefined, args));
  }
  const requireFn = (name: unknown): unknown => {
    const n = String(name);
    if (n in modules) return modules[n];
    if (n in builtins) return (modules[n] = builtins[n]());
    const src = n.length <= 28 ? dev.store.read(n) : undefined;
    if (src !== undefined) {
      const fn = vm.runInContext(`(function (exports, module) {${src}\n})`, ctx, { filename: n }) as (e: object, m: object) => void;
      const module = { exports: {} as unknown };
      fn(module.exports as object, module);
      return (modules[n] = module.exports);
    }
    throw life.error(`Module ${n} not found`);
  };

  const globals: Record<string, unknown> = {
    print,
    console: { log: print, info: print, warn: print, error: print, debug: print, trace: print },
    setTimeout: (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, args, false),
    setInterval: (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, args, true),
    clearTimeout: clearTimer,
    clearInterval: clearTimer,
    changeInterval: (id: unknown, ms: unknown): void => {
      const t = life.timers.get(Number(id));
      if (!t) throw life.error("Unknown Interval");
      clearTimeout(t.handle);
      t.handle = t.repeat ? setInterval(t.run, Math.max(0, Number(ms) || 0)) : setTimeout(t.run, Math.max(0, Number(ms) || 0));
    },
    getTime: (): number => dev.time(),
    setTime: (t: unknown): void => dev.setTime(Number(t)),
    require: requireFn,
    Modules: {
      addCached(name: string, mod: unknown): void {
        modules[name] = typeof mod === "function" ? (() => { const m = { exports: {} }; (mod as (e: object, m: object) => void).call(m.exports, m.exports, m); return m.exports; })() : mod;
      },
      removeCached(name: string): void {
        delete modules[name];
      },
      removeAllCached(): void {
        for (const k of Object.keys(modules)) delete modules[k];
      },
      getCached(): string[] {
        return Object.keys(modules);
      },
    },
    load: (file?: unknown): void => dev.later(() => dev.boot("load", file === undefined ? undefined : String(file))),
    reset: (clearFlash?: unknown): void => dev.later(() => dev.boot("reset", undefined, Boolean(clearFlash))),
    save: (): void => {
      if (dev.store.read(".bootcde") !== undefined) throw life.error("Cannot save: .bootcde file already exists. Please remove it first.");
      dev.later(() => dev.saveImage());
    },
    echo: (on: unknown): void => dev.console?.setEcho(Boolean(on)),
    E,
    process: proc,
    Pin: (p: unknown): number => pinOf(p),
    digitalWrite: (p: unknown, v: unknown): void => pins.digitalWrite(pinOf(p), v),
    digitalRead: (p: unknown): number => pins.digitalRead(pinOf(p)),
    digitalPulse: (): void => {},
    pinMode: (p: unknown, mode?: unknown): void => pins.pinMode(pinOf(p), String(mode ?? "auto")),
    getPinMode: (p: unknown): string => pins.modes[pinOf(p)] ?? "undefined",
    analogRead: (p: unknown): number => pins.analogRead(pinOf(p)),
    analogWrite: (p: unknown, v: unknown): void => pins.digitalWrite(pinOf(p), Number(v) >= 0.5),
    setWatch: (): number => 1,
    clearWatch: (): void => {},
    getSerial: (): string => "sim-00000001",
    btoa: (s: unknown): string => Buffer.from(String(s), "latin1").toString("base64"),
    atob: (s: unknown): string => {
      const clean = String(s).replace(/[^A-Za-z0-9+/]/g, "");
      for (const ch of clean) if (B64.indexOf(ch) < 0) throw life.error("Invalid base64");
      return Buffer.from(clean, "base64").toString("latin1");
    },
    // The net module's classes are globals on Espruino too (the firmware names Socket at boot).
    Socket: SimSocket,
    Server: SimServer,
    A0: PIN_A0,
    NodeMCU: { D0: 16, D1: 5, D2: 4, D3: 0, D4: 2, D5: 14, D6: 12, D7: 13, D8: 15, D9: 3, D10: 1, A0: 0 },
  };
  for (let i = 0; i <= 16; i++) globals["D" + i] = i;
  for (const [k, v] of Object.entries(globals)) g[k] = v;
  g.global = g;
  void espruinoJSON;
  return ctx;
}

/*
 * Benchmark entry for the `linux` board (scripts/bench-web-memory.ts): the web server alone, on
 * plain stand-ins of the device, history and socket budget, so its cost is measured without the
 * rest of the firmware. As on the device, the lazy module `lazy:web` is loaded for the first
 * HTTP client and dropped after the last (unless the console's `webHold(true)` keeps it). A
 * sample is taken each second (for /events), and a 5 ms timer keeps the lowest free count
 * (after a garbage collection) in the global `M`, which the console may reset; with `webPeek(true)`
 * each socket write also updates `M`, so that it catches the peak inside a request's handling.
 * A measuring harness, not firmware: it talks to the interpreter directly.
 */
/* eslint-disable no-restricted-globals, no-restricted-syntax, @typescript-eslint/no-require-imports -- a benchmark harness (see above) */
import { CHUNK_SIZE, FIRMWARE_VERSION, PORT_HTTP, SOCKET_BUDGET, SSE_LISTENERS, VARS_TOTAL } from "board-config";
import { load as loadWeb } from "lazy:web";
import { createRing, ringGet, ringPush, ringSize } from "../../lib/sample-ring.ts";
import { consoleLog } from "../platform/console.ts";
import { timers, uptimeSince } from "../platform/timers.ts";
import type { Sample } from "../services/contracts.ts";
import type { WebHandler } from "../services/web/web-server.ts";

const T0 = getTime();
const uptimeMs = (): number => uptimeSince(T0);
const ring = createRing(60);
const subs: Array<(s: Sample) => void> = [];
let used = 0;
let led = 0;
let held = false;
let h: WebHandler | null = null;

const device = {
  name: "web-bench",
  version: FIRMWARE_VERSION,
  uptimeMs: uptimeMs,
  freeVars: function (): number {
    return process.memory(false).free;
  },
  totalVars: function (): number {
    return VARS_TOTAL;
  },
  led: function (): number {
    return led;
  },
  setLed: function (on: boolean): number {
    led = on ? 1 : 0;
    return led;
  },
  readA0: function (): number {
    return 512;
  },
  clients: function (): number {
    return used;
  },
  wifiState: function (): "up" {
    return "up";
  },
  ip: function (): string {
    return "127.0.0.1";
  },
  rssi: function (): null {
    return null;
  },
  lowMemory: function (): boolean {
    return process.memory(false).free < VARS_TOTAL / 10;
  },
};

const history = {
  forEach: function (cb: (s: Sample) => void): void {
    for (let age = ringSize(ring) - 1; age >= 0; age--) cb(ringGet(ring, age) as Sample);
  },
  size: function (): number {
    return ringSize(ring);
  },
  subscribe: function (cb: (s: Sample) => void): () => void {
    subs.push(cb);
    return function () {
      const i = subs.indexOf(cb);
      if (i >= 0) subs.splice(i, 1);
    };
  },
};

const budget = {
  acquire: function (): boolean {
    // The HTTP listener and the console's telnet are fixed; one socket stays in reserve.
    if (2 + used + 1 >= SOCKET_BUDGET) return false;
    used++;
    return true;
  },
  release: function (): void {
    if (used > 0) used--;
    if (used === 0 && !held && h !== null && h.listeners() === 0) h = null;
  },
  inUse: function (): number {
    return used;
  },
};

function handler(): WebHandler {
  if (h === null) {
    const m = loadWeb();
    h = m.createWebHandler({
      net: undefined as never,
      port: 0,
      device: device,
      history: history,
      budget: budget,
      auth: new m.TokenAuth(null),
      storage: m.createStorageFiles(),
      wifi: m.createWifiSetup(false, consoleLog),
      log: consoleLog,
      timers: timers,
      sseMax: SSE_LISTENERS,
      chunk: CHUNK_SIZE,
    });
  }
  return h;
}

/** With the console's `webPeek(true)`, each write also keeps the lowest free count in `M` (the peak inside a request). */
let peek = false;
const peekWrite = function (this: { w0_: (d: string) => void }, d: string): void {
  this.w0_(d);
  const f = process.memory().free;
  if (f < (global["M"] as number)) global["M"] = f;
};

require("net")
  .createServer(function (s: { write: unknown; w0_?: unknown }) {
    if (peek) {
      s.w0_ = s.write;
      s.write = peekWrite;
    }
    handler().accept(s as never);
  })
  .listen(PORT_HTTP);

for (let i = 0; i < 60; i++) ringPush(ring, i * 1000, 500, 900, 0);
setInterval(function () {
  ringPush(ring, uptimeMs(), 512, process.memory(false).free, led);
  const s = ringGet(ring, 0) as Sample;
  for (let i = 0; i < subs.length; i++) subs[i](s);
}, 1000);

global["M"] = 9999;
setInterval(function () {
  const f = process.memory().free;
  if (f < (global["M"] as number)) global["M"] = f;
}, 5);

global["webPeek"] = function (on: boolean): void {
  peek = on;
};

global["webHold"] = function (on: boolean): void {
  held = on;
  if (on) handler();
  else if (used === 0) h = null;
};

/*
 * The device as every service sees it, resident for the device's life: the LED, the uptime, the
 * Wi-Fi state, the ring of the last 60 samples, free memory and the guard on it, and the client
 * sockets of each service, counted from what is really open.
 *
 * Written for Espruino's CPU as much as its RAM (docs/MEMORY.md): plain functions at the top
 * level of the bundle (no object methods, no closures: a function made at the global scope costs
 * its few variables once and has no scope chain to copy), each short, so that a call lexes only
 * what it runs. State is one object, `dev`, whose fields the minifier shortens.
 *
 * Sockets (docs/PROTOCOL.md, "Guards"): every client socket of every service is in its service's
 * list, and a socket Espruino has killed (its peer closed; Espruino removes its `sckt`) is dropped
 * from the list when the lists are next counted, so a close whose event is still queued never makes
 * the device refuse a client it has room for; nor does a socket that is closing (socketFree). One
 * socket is always kept in reserve to refuse the one client too many cleanly.
 */
import { CONSOLE_POLICY, SOCKET_BUDGET, VARS_TOTAL } from "board-config";
import { createRing, ringPush, type Ring } from "../../lib/sample-ring.ts";
import { freeVars } from "../platform/memory.ts";
import { driveLed, readA0 } from "../platform/pins.ts";
import { uptimeSince } from "../platform/timers.ts";
import type { EspruinoSocket } from "../platform/socket-held.ts";
import type { Datagrams } from "../platform/types.ts";
import type { PushDevice, SocketBudget, WifiState } from "./contracts.ts";

/** Samples held: the last 60, one a second (docs/WEB.md, "Routes": /api/samples). */
export const HISTORY_SIZE = 60;

/** Below this many free variables the device takes no new work: a tenth of them (docs/MEMORY.md, "Budgets"). */
export const GUARD_VARS = VARS_TOTAL / 10;

/** Sockets held for the device's life: HTTP, echo TCP, echo UDP, line protocol, and the console's telnet. */
export const FIXED_SOCKETS = 4 + (CONSOLE_POLICY === "off" ? 0 : 1);

export interface DeviceState extends Ring {
  /** getTime() at boot: uptime is counted from it (getTime() is the system time on Linux). */
  t0_: number;
  /** The LED, 0 or 1. */
  led_: number;
  wifi_: WifiState;
  /**
   * Free variables at the last sample (sampleTick, once a second; at boot before the first), and
   * the interpreter's total: what /api/status reports, without a process.memory() of its own.
   */
  free_: number;
  total_: number;
  /** Outgoing sockets held: FETCH's while it runs, and MQTT's for the device's life once configured. */
  out_: number;
  /** The UDP socket (echo; the UDP push sends from it too), set by app.ts. */
  udp_: Datagrams;
}

export const dev: DeviceState = createRing(HISTORY_SIZE) as DeviceState;
dev.t0_ = getTime();
dev.led_ = 0;
dev.wifi_ = "up";
dev.out_ = 0;
dev.free_ = freeVars();
dev.total_ = process.memory(false).total;

/** The open client sockets of each service. */
export const echoSockets: EspruinoSocket[] = [];
export const lineSockets: EspruinoSocket[] = [];
export const webSockets: EspruinoSocket[] = [];

export function uptimeMs(): number {
  return uptimeSince(dev.t0_);
}

export { freeVars };

/**
 * True when the low-memory guard refuses new work. Garbage (a lazy module's parse leaves some)
 * counts as used until Espruino collects it, so below the guard it is collected and counted again.
 */
export function lowMemory(): boolean {
  return freeVars() < GUARD_VARS && process.memory().free < GUARD_VARS;
}

/** Sets the LED (0 or 1) and gives its new state. */
export function setLed(on: number): number {
  dev.led_ = on;
  driveLed(on);
  return on;
}

/** A sample of the device now as a CSV line (lib/sample-csv.ts's format), numbered `seq`. */
export function sampleCsv(seq: number): string {
  const ms = uptimeMs();
  // freeVars() written out: on Espruino the call would cost more than the measure.
  return seq + "," + ms + "," + readA0(ms) + "," + process.memory(false).free + "," + dev.led_;
}

/** Takes the once-a-second sample into the ring. */
export function sampleTick(): void {
  const ms = uptimeMs();
  const free = freeVars();
  dev.free_ = free;
  ringPush(dev, ms, readA0(ms), free, dev.led_);
}

/** The sockets of `l` still open (the killed ones are dropped from it). */
export function openIn(l: EspruinoSocket[]): number {
  for (let i = l.length - 1; i >= 0; i--) if (l[i].sckt === undefined) l.splice(i, 1);
  return l.length;
}

/**
 * Open client connections of every service. Echo and line sockets leave their lists at their
 * close; web sockets have no close listener (it would cost each connection its variables), so
 * their list is the one counted again. A socket killed in this turn of the main loop counts
 * until its queued close runs.
 */
export function clients(): number {
  return echoSockets.length + lineSockets.length + openIn(webSockets);
}

/** Client sockets a board can give (one stays in reserve). */
const CLIENT_SOCKETS = SOCKET_BUDGET - FIXED_SOCKETS - 1;

/**
 * True when a new client can have a socket: the lists are counted again only when their lengths
 * say no, without the closed sockets (dropped from them) and the closing ones: a socket whose
 * answer has all gone after its end() (`cls`, with `dSnd` empty) or that the firmware closes
 * outright (`clsNow`), which Espruino closes at its next poll before it runs any JavaScript for it
 * again. A client that has read its whole answer often connects again before that poll
 * (docs/PROTOCOL.md, "Guards"). The count is one loop here, not a function called per list: a
 * resident function costs 5 variables at boot, this slow path only instructions.
 */
export function socketFree(): boolean {
  let n = echoSockets.length + lineSockets.length + webSockets.length + dev.out_;
  if (n < CLIENT_SOCKETS) return true;
  n = dev.out_;
  for (const l of [echoSockets, lineSockets, webSockets]) {
    for (let i = l.length - 1; i >= 0; i--) {
      const s = l[i];
      if (s.sckt === undefined) l.splice(i, 1);
      else if (!s.clsNow && !(s.cls && !s.dSnd)) n++;
    }
  }
  return n < CLIENT_SOCKETS;
}

/**
 * Admits socket `s` into list `l` when a socket is free and `need` variables are (garbage is
 * collected first only when the count without it is short); otherwise says why not. The list
 * drops its closed sockets first.
 */
export function admit(l: EspruinoSocket[], s: EspruinoSocket, need: number): string {
  // The list's closed sockets go first (the count is of what is open); written out rather than
  // openIn() and freeVars(): on Espruino a call costs more than the loop or the measure.
  for (let i = l.length - 1; i >= 0; i--) if (l[i].sckt === undefined) l.splice(i, 1);
  if (process.memory(false).free < need && process.memory().free < need) return "low memory";
  // socketFree()'s count by the lengths, written out: it says yes to nearly every client.
  if (echoSockets.length + lineSockets.length + webSockets.length + dev.out_ >= CLIENT_SOCKETS && !socketFree()) return "no socket";
  l.push(s);
  return "";
}

/** Takes socket `s` out of list `l` (its close). */
export function forget(l: EspruinoSocket[], s: EspruinoSocket): void {
  const i = l.indexOf(s);
  if (i >= 0) l.splice(i, 1);
}

/** What the UDP push (a lazy module) reads of the device: made for it when it starts. */
export function pushDevice(): PushDevice {
  return {
    uptimeMs: uptimeMs,
    freeVars: freeVars,
    lowMemory: lowMemory,
    readA0: function () {
      return readA0(uptimeMs());
    },
    led: function () {
      return dev.led_;
    },
    wifiState: function () {
      return dev.wifi_;
    },
  };
}

/** FETCH's socket from the budget (FETCH is a lazy module): made for it when it starts. */
export function fetchBudget(): SocketBudget {
  return {
    acquire: function () {
      if (!socketFree()) return false;
      dev.out_++;
      return true;
    },
    release: function () {
      dev.out_--;
    },
    inUse: clients,
  };
}

/*
 * The composition root. The device holds only the resident core (platform/resident.ts): the
 * listeners, UDP echo, the sampler's ring and one object of state. Each TCP service (echo, line
 * protocol, web server) is a lazy module (docs/MEMORY.md), loaded here for its first client and
 * let go after its last, so an idle device holds none of their code in RAM.
 *
 * Socket budget: the listeners (HTTP, echo TCP, echo UDP, line) and the console's telnet
 * listener (unless the board turns it off) are fixed; clients and FETCH take the rest, one in
 * reserve. A service is loaded only with `NEED_*` variables free (the measured cost of the load
 * and a first client, plus the low-memory guard's tenth); below that its client is refused
 * without loading anything (`ERR EBUSY low memory`, 503 with Retry-After, or a plain close).
 * Console function: `say("text")` sends `# say: text` to every line client.
 */
import {
  BOARD_NAME, CONSOLE_POLICY, DEVICE_NAME, FIRMWARE_VERSION, HAS_WIFI, PORT_ECHO, PORT_HTTP, PORT_LINE, VARS_TOTAL,
} from "board-config";
import { load as loadDevice } from "lazy:device";
import { load as loadEcho } from "lazy:echo";
import { load as loadLine } from "lazy:line";
import { load as loadWeb } from "lazy:web";
import { consoleLog, registerConsoleFunction } from "./platform/console.ts";
import { startResident } from "./platform/resident.ts";
import { readToken } from "./platform/token-store.ts";
import type { Resident, ResidentService } from "./platform/types.ts";
import { startWifi } from "./platform/wifi.ts";

/** Service indexes in the resident core (the order of the ports given to it). */
const ECHO = 0;
const LINE = 1;

/** Sockets held for the device's life: HTTP, echo TCP, echo UDP, line protocol, and the console's telnet. */
const FIXED = 4 + (CONSOLE_POLICY === "off" ? 0 : 1);

/**
 * Free variables each service needs to load and serve its first client, measured on the
 * 1600-variable interpreter (docs/MEMORY.md, round 6), plus the low-memory guard's tenth.
 * Echo: module and first client 211. Line: module, device view and first client 473, then a
 * command's working set; HTTP: 593, then a request's. Checked by bursts (docs/MEMORY.md): with an
 * idle HTTP client the line protocol loads and serves a session, with a line client every page is
 * served, and no burst runs the interpreter out of memory.
 */
const NEED_ECHO = 240 + VARS_TOTAL / 10;
const NEED_LINE = 460 + VARS_TOTAL / 10;
const NEED_HTTP = 560 + VARS_TOTAL / 10;

/** Loads service `k` with `free` variables free, or says why not. */
function load(k: number, r: Resident, free: number): ResidentService | string {
  const need = k === ECHO ? NEED_ECHO : k === LINE ? NEED_LINE : NEED_HTTP;
  if (free < need) {
    consoleLog((k === ECHO ? "echo" : k === LINE ? "line" : "http") + ": refused, too little memory to load");
    return k === ECHO ? "" : k === LINE ? "ERR EBUSY low memory\r\n" : "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 2\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  }
  if (k === ECHO) return loadEcho().start(r, k, FIXED);
  // The line and web services share one device view, made here so that it holds no service's code.
  if (r.dev_ === null) r.dev_ = loadDevice().createDevice(r);
  return k === LINE ? loadLine().start(r, k, FIXED) : loadWeb().startWeb(r, k, FIXED);
}

/** Starts the device: echo and the line protocol, and the web server unless `web` is false. */
export function startApp(web?: boolean): void {
  const r = startResident(web === false ? [PORT_ECHO, PORT_LINE] : [PORT_ECHO, PORT_LINE, PORT_HTTP], PORT_ECHO, load);
  if (HAS_WIFI) startWifi(r, DEVICE_NAME);
  registerConsoleFunction("say", function (text: string) {
    const v = r.svc_[LINE];
    return v === null ? 0 : v.say_(String(text));
  });
  consoleLog(DEVICE_NAME + " " + FIRMWARE_VERSION + " (" + BOARD_NAME + ") up: echo " + PORT_ECHO + ", line " + PORT_LINE + (web === false ? "" : ", http " + PORT_HTTP) + (readToken() !== null ? ", token set" : ""));
}

/*
 * The composition root: wires the services from the board config and the platform. startCore()
 * builds the objects every service shares (device, history, socket budget, the control token), starts the
 * sampler and UDP echo, and listens for echo and the line protocol; startApp() adds the web
 * server's listener. Each TCP service's code is a lazy module (docs/MEMORY.md): loaded for its
 * first client, dropped when its last client has gone, so the idle device holds only listeners.
 *
 * Socket budget: the listeners (HTTP, echo TCP, echo UDP, line) and the console's telnet
 * listener (unless the board turns it off) are fixed; clients and FETCH take the rest, one in
 * reserve. The low-memory guard refuses new work under a tenth of the board's variables.
 * Console function: `say("text")` sends `# say: text` to every line client.
 */
import {
  ANALOG_PIN, BOARD_NAME, CONSOLE_POLICY, DEVICE_NAME, FIRMWARE_VERSION, HAS_WIFI, LED_ACTIVE_LOW, LED_PIN,
  PORT_ECHO, PORT_LINE, SOCKET_BUDGET, VARS_TOTAL, PORT_HTTP, SSE_LISTENERS, CHUNK_SIZE,
} from "board-config";
import { load as loadEcho } from "lazy:echo";
import { load as loadLine } from "lazy:line";
import { load as loadWeb } from "lazy:web";
import { consoleLog, registerConsoleFunction } from "./platform/console.ts";
import { freeVars, totalVars } from "./platform/memory.ts";
import { createNet } from "./platform/net.ts";
import { createPins } from "./platform/pins.ts";
import { timers, uptimeMs } from "./platform/timers.ts";
import { readToken } from "./platform/token-store.ts";
import type { Datagrams, Log, Net, Timers } from "./platform/types.ts";
import { startWifi } from "./platform/wifi.ts";
import type { Device, History, SocketBudget } from "./services/contracts.ts";
import { createDevice } from "./services/device.ts";
import { startUdpEcho } from "./services/echo-server.ts";
import { LazyService, type LoadedService } from "./services/lazy-service.ts";
import type { LineServer } from "./services/line-server.ts";
import { Sampler } from "./services/sampler.ts";
import { Budget } from "./services/socket-budget.ts";

/** Listeners held for the device's life: HTTP, echo TCP, echo UDP, line protocol. */
const LISTENERS = 4;

/** What the services share; the web server is started with it. */
export interface Core {
  device: Device;
  history: History;
  budget: SocketBudget;
  /** The control token read at boot (null: none); each lazy service makes its TokenAuth from it. */
  token: string | null;
  net: Net;
  timers: Timers;
  log: Log;
  udp: Datagrams;
}

/**
 * Free variables each lazy service needs to load and serve its first client, measured on the
 * 1600-variable interpreter (docs/MEMORY.md), plus the low-memory guard's tenth.
 */
const NEED_ECHO = 260 + VARS_TOTAL / 10;
// Module and first client (320 from its accept, round 3), then a command's working set: a
// STATUS (the command module loaded and running) takes free to 323 of 876 in the services-only
// bundle, 553 below the free count before the accept; 600 keeps a margin (docs/MEMORY.md).
const NEED_LINE = 600 + VARS_TOTAL / 10;
const NEED_HTTP = 800 + VARS_TOTAL / 10;

/** Listens on `port` and hands each client to the lazy service. */
function listen<S extends LoadedService>(core: Core, port: number, what: string, need: number, make: (budget: SocketBudget) => S): LazyService<S> {
  const l = new LazyService<S>(core.budget, what, need, make);
  core.net.listen(port, l.accept.bind(l));
  return l;
}

export function startCore(): Core {
  const log = consoleLog;
  const net = createNet();
  const budget = new Budget(SOCKET_BUDGET, LISTENERS + (CONSOLE_POLICY === "off" ? 0 : 1));
  const device = createDevice({
    name: DEVICE_NAME,
    version: FIRMWARE_VERSION,
    clock: uptimeMs,
    pins: createPins(LED_PIN, LED_ACTIVE_LOW, ANALOG_PIN, uptimeMs),
    wifi: startWifi(HAS_WIFI, DEVICE_NAME, timers, log),
    budget: budget,
    freeVars: freeVars,
    totalVars: totalVars,
    lowVars: Math.floor(VARS_TOTAL / 10),
  });
  const token = readToken();
  const history = new Sampler(device, log);
  history.start(timers);
  const core: Core = { device: device, history: history, budget: budget, token: token, net: net, timers: timers, log: log, udp: startUdpEcho(net, PORT_ECHO, log) };
  listen(core, PORT_ECHO, "echo", NEED_ECHO, function (b: SocketBudget) {
    const m = loadEcho();
    return new m.EchoTcp({ net: net, port: 0, log: log, budget: b, timers: timers, clock: uptimeMs, idleMs: m.ECHO_IDLE_MS });
  });
  const line = listen<LineServer>(core, PORT_LINE, "line", NEED_LINE, function (b: SocketBudget) {
    return loadLine().createLine(core, b);
  });
  registerConsoleFunction("say", function (text: string) {
    return line.svc_ === null ? 0 : line.svc_.say(String(text));
  });
  log(DEVICE_NAME + " " + FIRMWARE_VERSION + " (" + BOARD_NAME + ") up: echo " + PORT_ECHO + ", line " + PORT_LINE + (token !== null ? ", token set" : ""));
  return core;
}

export function startApp(): void {
  const core = startCore();
  listen(core, PORT_HTTP, "http", NEED_HTTP, function (b: SocketBudget) {
    const m = loadWeb();
    return m.createWebHandler({
      net: core.net, port: PORT_HTTP, device: core.device, history: core.history, budget: b, auth: new m.TokenAuth(core.token),
      storage: m.createStorageFiles(), wifi: m.createWifiSetup(HAS_WIFI, core.log), log: core.log, timers: core.timers,
      sseMax: SSE_LISTENERS, chunk: CHUNK_SIZE,
    });
  });
}

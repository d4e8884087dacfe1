/*
 * The composition root: wires the services from the board config and the platform. startCore()
 * builds the objects every service shares (device, history, socket budget, auth) and starts
 * echo, the sampler and the line protocol; startApp() adds the web server on top of them.
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
import { consoleLog, registerConsoleFunction } from "./platform/console.ts";
import { httpGetter } from "./platform/http-client.ts";
import { freeVars, totalVars } from "./platform/memory.ts";
import { createNet } from "./platform/net.ts";
import { createPins } from "./platform/pins.ts";
import { timers, uptimeMs } from "./platform/timers.ts";
import { readToken } from "./platform/token-store.ts";
import type { Log, Net, Socket, Timers } from "./platform/types.ts";
import { startWifi } from "./platform/wifi.ts";
import { load as loadWeb } from "lazy:web";
import type { WebHandler } from "./services/web/web-server.ts";
import { TokenAuth } from "./services/auth.ts";
import type { Auth, Device, History, SocketBudget } from "./services/contracts.ts";
import { createDevice } from "./services/device.ts";
import { ECHO_IDLE_MS, EchoServer } from "./services/echo-server.ts";
import { FETCH_MAX_BYTES, FETCH_TIMEOUT_MS, FetchService } from "./services/fetch-service.ts";
import { LINE_IDLE_MS, LineServer } from "./services/line-server.ts";
import { Sampler } from "./services/sampler.ts";
import { Budget } from "./services/socket-budget.ts";
import { UdpPush } from "./services/udp-push.ts";

/** Listeners held for the device's life: HTTP, echo TCP, echo UDP, line protocol. */
const LISTENERS = 4;

/** What the services share; the web server is started with it. */
export interface Core {
  device: Device;
  history: History;
  budget: SocketBudget;
  auth: Auth;
  net: Net;
  timers: Timers;
  log: Log;
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
  const auth = new TokenAuth(readToken());
  const history = new Sampler(device, log);
  history.start(timers);
  const echo = new EchoServer({ net: net, port: PORT_ECHO, log: log, budget: budget, timers: timers, clock: uptimeMs, idleMs: ECHO_IDLE_MS });
  const line = new LineServer({
    net: net,
    port: PORT_LINE,
    log: log,
    device: device,
    budget: budget,
    auth: auth,
    timers: timers,
    push: new UdpPush(echo.udp, device, timers, log),
    fetch: new FetchService(httpGetter, budget, timers, log, FETCH_TIMEOUT_MS, FETCH_MAX_BYTES),
    idleMs: LINE_IDLE_MS,
  });
  registerConsoleFunction("say", (text: string) => line.say(String(text)));
  log(DEVICE_NAME + " " + FIRMWARE_VERSION + " (" + BOARD_NAME + ") up: echo " + PORT_ECHO + ", line " + PORT_LINE + (auth.required() ? ", token set" : ""));
  return { device: device, history: history, budget: budget, auth: auth, net: net, timers: timers, log: log };
}

/**
 * The web server's listener. Its handler (lazy:web) is loaded for the first client and dropped
 * when the last one has gone: a budget wrapper counts the sockets it holds.
 */
function startWeb(core: Core): void {
  let web: WebHandler | null = null;
  let open = 0;
  const b = core.budget;
  const budget: SocketBudget = {
    acquire(): boolean {
      const ok = b.acquire();
      if (ok) open++;
      return ok;
    },
    release(): void {
      b.release();
      if (--open <= 0) {
        open = 0;
        web = null;
      }
    },
    inUse: b.inUse,
  };
  core.net.listen(PORT_HTTP, function (sock: Socket) {
    try {
      if (web === null) {
        const m = loadWeb();
        web = m.createWebHandler({
          net: core.net, port: PORT_HTTP, device: core.device, history: core.history, budget: budget, auth: core.auth,
          storage: m.createStorageFiles(), wifi: m.createWifiSetup(HAS_WIFI, core.log), log: core.log, timers: core.timers,
          sseMax: SSE_LISTENERS, chunk: CHUNK_SIZE,
        });
      }
      web.accept(sock);
      if (open === 0) web = null;
    } catch (e) {
      core.log("http: accept failed: " + e);
    }
  });
}

export function startApp(): void {
  startWeb(startCore());
}

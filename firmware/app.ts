/*
 * The composition root: listens on the three TCP ports (echo, line protocol, web server) and
 * answers UDP echo, starts the once-a-second tick (the sample into the ring, the event stream,
 * the idle and request timeouts), the radio and the console's `say`.
 *
 * Every service is resident (docs/MEMORY.md): its code is in flash with the bundle and its
 * functions are made once at boot, so a client costs only its socket and its fields, and no
 * request or line parses code it does not run. Only rarely used code is a lazy module (UDP
 * push, FETCH, the /setup POST).
 *
 * MQTT (docs/FLEET.md) starts only when provisioning has written its configuration.
 *
 * Console function: `say("text")` sends `# say: text` to every line client.
 */
import { BOARD_NAME, DEVICE_NAME, FIRMWARE_VERSION, HAS_WIFI, PORT_ECHO, PORT_HTTP, PORT_LINE } from "board-config";
import { registerConsoleFunction } from "./platform/console.ts";
import { driveLed } from "./platform/pins.ts";
import { readToken } from "./platform/token-store.ts";
import type { RemoteInfo } from "./platform/types.ts";
import { startWifi } from "./platform/wifi.ts";
import { tokenRequired, useToken } from "./services/auth.ts";
import { dev, sampleTick } from "./services/device.ts";
import { echoAccept, echoSweep } from "./services/echo.ts";
import { lineAccept, lineSay, lineSweep } from "./services/line.ts";
import { mqttBoot } from "./services/mqtt.ts";
import { webAccept, webTick } from "./services/web.ts";

/** Starts the device: echo and the line protocol, and the web server unless `web` is false. */
export function startApp(web?: boolean): void {
  const net = require("net");
  useToken(readToken());
  driveLed(0);
  net.createServer(echoAccept).listen(PORT_ECHO);
  net.createServer(lineAccept).listen(PORT_LINE);
  if (web !== false) net.createServer(webAccept).listen(PORT_HTTP);
  // UDP echo has no state: one listener answers each datagram.
  const u = require("dgram").createSocket("udp4");
  dev.udp_ = u;
  u.on("message", udpEcho);
  u.bind(PORT_ECHO);
  setInterval(tick, 1000);
  if (HAS_WIFI) startWifi(dev, DEVICE_NAME);
  mqttBoot();
  registerConsoleFunction("say", sayToLines);
  print(DEVICE_NAME + " " + FIRMWARE_VERSION + " (" + BOARD_NAME + ") up: echo " + PORT_ECHO + ", line " + PORT_LINE + (web === false ? "" : ", http " + PORT_HTTP) + (tokenRequired() ? ", token set" : ""));
}

// The listeners below are functions of the top level, not made inside startApp: a function made
// there would keep startApp's whole scope alive for the device's life (some 40 variables).

/** Answers a UDP datagram with itself. */
function udpEcho(m: string, i: RemoteInfo): void {
  try {
    dev.udp_.send(m, i.port, i.address);
  } catch (e) {
    print("echo: udp " + e);
  }
}

/** The console's `say("text")`: a `# say:` line to every line client. */
function sayToLines(text: string): unknown {
  return lineSay(String(text));
}

/** Once a second: the sample, the event stream, the timeouts. */
function tick(): void {
  try {
    sampleTick();
    webTick();
    echoSweep();
    lineSweep();
  } catch (e) {
    print("tick: " + e);
  }
}

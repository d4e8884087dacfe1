/*
 * The composition root: wires the services from the board config and the platform.
 * The per-board mains (firmware/main/<board>.ts) call startApp with what only they know.
 */
import { BOARD_NAME, DEVICE_NAME, FIRMWARE_VERSION, PORT_ECHO } from "board-config";
import { consoleLog } from "./platform/console.ts";
import { createNet } from "./platform/net.ts";
import { startEchoServer } from "./services/echo-server.ts";

export function startApp(): void {
  const net = createNet();
  startEchoServer({ net, port: PORT_ECHO, log: consoleLog });
  consoleLog(`${DEVICE_NAME} ${FIRMWARE_VERSION} (${BOARD_NAME}) up: echo ${PORT_ECHO}`);
}

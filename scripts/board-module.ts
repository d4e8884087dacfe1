/*
 * Turns a validated board config into the source of the firmware's `board-config` module:
 * one exported constant per field (see firmware/board-config.d.ts), so that the minifier can
 * inline them and the device holds no config object in RAM.
 */
import type { BoardConfig } from "../board-configs/schema.ts";

export function boardModuleSource(board: BoardConfig, firmwareVersion: string): string {
  const consts: Array<[string, unknown]> = [
    ["BOARD_NAME", board.name],
    ["DEVICE_NAME", board.deviceName],
    ["FIRMWARE_VERSION", firmwareVersion],
    ["ESPRUINO_VERSION", board.espruino.version],
    ["HAS_WIFI", board.wifi],
    ["LED_PIN", board.pins.led],
    ["LED_ACTIVE_LOW", board.pins.ledActiveLow],
    ["ANALOG_PIN", board.pins.analog],
    ["PORT_HTTP", board.ports.http],
    ["PORT_ECHO", board.ports.echo],
    ["PORT_LINE", board.ports.line],
    ["PORT_CONSOLE", board.ports.console],
    ["SOCKET_BUDGET", board.socketBudget],
    ["VARS_TOTAL", board.variables.total],
    ["VARS_BUDGET", board.variables.budget],
    ["CHUNK_SIZE", board.chunkSize],
    ["SSE_LISTENERS", board.sseListeners],
    ["CONSOLE_POLICY", board.console],
    // The fixed start of GET /api/status's JSON, serialized here so that the device builds the
    // rest by concatenation (services/web.ts).
    ["STATUS_JSON_START", `{"name":${JSON.stringify(board.deviceName)},"version":${JSON.stringify(firmwareVersion)},`],
  ];
  return consts.map(([k, v]) => `export const ${k} = ${JSON.stringify(v)};`).join("\n") + "\n";
}

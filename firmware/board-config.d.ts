/*
 * The `board-config` module: the build generates it from the board's validated config
 * (scripts/board-module.ts), one constant per field, so the minifier inlines them and the
 * device holds no config object in RAM.
 */
declare module "board-config" {
  export const BOARD_NAME: string;
  export const DEVICE_NAME: string;
  export const FIRMWARE_VERSION: string;
  export const ESPRUINO_VERSION: string;
  export const HAS_WIFI: boolean;
  export const LED_PIN: string | null;
  export const LED_ACTIVE_LOW: boolean;
  export const ANALOG_PIN: string | null;
  export const PORT_HTTP: number;
  export const PORT_ECHO: number;
  export const PORT_LINE: number;
  export const PORT_CONSOLE: number;
  export const SOCKET_BUDGET: number;
  export const VARS_TOTAL: number;
  export const VARS_BUDGET: number;
  export const CHUNK_SIZE: number;
  export const SSE_LISTENERS: number;
  export const CONSOLE_POLICY: "open" | "lock" | "off";
  /** `{"name":<DEVICE_NAME>,"version":<FIRMWARE_VERSION>,` as JSON: the start of GET /api/status's answer. */
  export const STATUS_JSON_START: string;
}

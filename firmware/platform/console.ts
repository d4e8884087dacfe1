/*
 * Logging to the device's console (Espruino's `print`): the Log the services get.
 */
import type { Log } from "./types.ts";

export const consoleLog: Log = (line: string) => {
  print(line);
};

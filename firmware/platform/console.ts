/*
 * Logging to the device's console (Espruino's `print`): the Log the services get.
 */
import type { Log } from "./types.ts";

export const consoleLog: Log = (line: string) => {
  print(line);
};

/** Makes `fn` callable by `name` at the device's console (e.g. `say("text")`). */
export function registerConsoleFunction(name: string, fn: (text: string) => unknown): void {
  global[name] = fn;
}

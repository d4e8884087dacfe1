/*
 * Lets a node:test file import firmware modules (which import the build's `board-config` and
 * `lazy:NAME` modules) by registering firmware-hooks.ts. Call registerFirmwareLoader() before the
 * first firmware import, and import firmware modules dynamically after it: a static import is
 * resolved before any of the file's code runs.
 *
 * The host typecheck (tsconfig.json) must not follow those imports (the firmware is checked
 * against Espruino's declarations, not Node's), so firmwareModule() takes a path the compiler
 * does not read and the caller states the shape it uses.
 */
import { register } from "node:module";
import { loadBoard } from "../../board-configs/index.ts";
import type { BoardConfig } from "../../board-configs/schema.ts";
import { boardModuleSource } from "../../scripts/board-module.ts";

/** The firmware version the tests' `board-config` says. */
export const TEST_VERSION = "9.9.9-test";

let registered: BoardConfig | null = null;

/** Registers the hooks for board `name` (once per process); gives the board's config. */
export function registerFirmwareLoader(name = "sim"): BoardConfig {
  if (registered !== null) {
    if (registered.name !== name) throw new Error(`firmware loader already set up for board ${registered.name}`);
    return registered;
  }
  const board = loadBoard(name);
  register("./firmware-hooks.ts", import.meta.url, {
    data: { boardSource: boardModuleSource(board, TEST_VERSION), lazyDir: new URL("../../firmware/lazy/", import.meta.url).href },
  });
  registered = board;
  return board;
}

/** Imports firmware/<path> (after registerFirmwareLoader()), typed as the caller says. */
export async function firmwareModule<T>(path: string): Promise<T> {
  const url: string = new URL("../../firmware/" + path, import.meta.url).href;
  return (await import(url)) as T;
}

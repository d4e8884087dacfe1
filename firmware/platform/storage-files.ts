/*
 * Storage files for the web server: Espruino's `Storage.read(name, offset, length)`, which gives
 * a memory-mapped string (flash, not RAM) on the ESP8266, so a page is read piece by piece.
 */
import type { StorageFiles } from "./types.ts";

export function createStorageFiles(): StorageFiles {
  const storage = require("Storage");
  return {
    read(name: string, offset?: number, length?: number): string | undefined {
      return offset === undefined ? storage.read(name) : storage.read(name, offset, length);
    },
  };
}

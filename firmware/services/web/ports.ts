/*
 * What the web server takes from the platform besides the network: Storage files (read in
 * pieces, Espruino's `Storage.read(name, offset, length)`) and the Wi-Fi setup action.
 * The platform adapters are firmware/platform/storage-files.ts and wifi-setup.ts.
 */

export interface StorageFiles {
  /** Reads `length` bytes at `offset` of a file (the whole file when both are left out); undefined when there is no such file. */
  read(name: string, offset?: number, length?: number): string | undefined;
}

export interface WifiSetup {
  /** Joins the network and, once joined, saves it (Wifi.save) for the next boots. Never logs the password. */
  configure(ssid: string, password: string): void;
}

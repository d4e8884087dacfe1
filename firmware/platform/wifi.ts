/*
 * The radio. On a board with Espruino's Wifi module: connect from the saved configuration
 * (`Wifi.restore()`, file `.wificfg`), reconnect after a loss with backoff (2 s doubling to 60 s),
 * and open the device's own access point (named after the device, open, 192.168.4.1) when no
 * network is saved or none has been reachable for 60 s; the station keeps trying meanwhile and
 * the AP closes once it is up again. The state lives in the device's state (services/device.ts); the
 * event handlers are what the device holds of this file. Without the module (`linux`, `sim`, or
 * `wifi: false`) the network is simply up on 127.0.0.1. Credentials are never read or logged here.
 */
import { HAS_WIFI } from "board-config";
import type { WifiHolder } from "./types.ts";

export const AP_AFTER_MS = 60000;
const BACKOFF_MIN_MS = 2000;
const BACKOFF_MAX_MS = 60000;

/** Starts the radio on a board with Wifi: keeps `r.wifi_` up to date. */
export function startWifi(r: WifiHolder, apName: string): void {
  let w: EspWifi;
  try {
    w = require("Wifi");
  } catch (e) {
    return;
  }
  const log = print;
  // The device's name on the network: DHCP, and mDNS (`http://<name>.local/`) on the ESP8266.
  try {
    w.setHostname(apName);
  } catch (e) {
    log("wifi: no host name: " + e);
  }
  r.wifi_ = "connecting";
  let apOn = false;
  let backoff = BACKOFF_MIN_MS;
  let retry = 0;
  let apTimer = 0;
  const openAp = (): void => {
    if (apOn) return;
    apOn = true;
    if (r.wifi_ !== "up") r.wifi_ = "ap";
    log("wifi: opening access point " + apName);
    w.startAP(apName, {}, (err) => {
      if (err) log("wifi: access point failed: " + err);
    });
  };
  const armAp = (): void => {
    if (apTimer === 0) {
      apTimer = setTimeout(() => {
        apTimer = 0;
        if (r.wifi_ !== "up") openAp();
      }, AP_AFTER_MS);
    }
  };
  const saved = ((): boolean => {
    try {
      return require("Storage").read(".wificfg") !== undefined;
    } catch (e) {
      return false;
    }
  })();
  w.on("connected", () => {
    r.wifi_ = "up";
    backoff = BACKOFF_MIN_MS;
    if (apTimer !== 0) clearTimeout(apTimer);
    apTimer = 0;
    log("wifi: up");
    if (apOn) {
      apOn = false;
      w.stopAP();
    }
  });
  w.on("disconnected", () => {
    if (r.wifi_ === "up") log("wifi: lost");
    r.wifi_ = apOn ? "ap" : "connecting";
    armAp();
    if (retry === 0) {
      retry = setTimeout(() => {
        retry = 0;
        if (r.wifi_ !== "up") w.restore();
      }, backoff);
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    }
  });
  // After load() (a deploy ends with it) or reset() the SDK keeps the station connected and
  // sends no new `connected` event: a station already connected is up now.
  let station = "";
  try {
    station = w.getStatus().station;
  } catch (e) {
    // No status: go on as at power-on.
  }
  if (station === "connected") {
    r.wifi_ = "up";
    log("wifi: up");
  } else if (!saved) {
    log("wifi: no saved network");
    openAp();
  } else {
    w.restore();
    armAp();
  }
}

/** The device's IPv4 address in Wi-Fi state `st` ("0.0.0.0" when it has none; 127.0.0.1 without a radio). */
export function wifiIp(st: string): string {
  if (!HAS_WIFI) return "127.0.0.1";
  try {
    const w = require("Wifi");
    const info = st === "ap" ? w.getAPIP() : w.getIP();
    return info && info.ip ? info.ip : "0.0.0.0";
  } catch (e) {
    return "0.0.0.0";
  }
}

/** Signal strength in dBm while connected, or null. */
export function wifiRssi(st: string): number | null {
  if (!HAS_WIFI || st !== "up") return null;
  try {
    const d = require("Wifi").getDetails();
    return typeof d.rssi === "number" ? d.rssi : null;
  } catch (e) {
    return null;
  }
}

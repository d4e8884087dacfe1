/*
 * The radio. On a board with Espruino's Wifi module: connect from the saved configuration
 * (`Wifi.restore()`, file `.wificfg`), reconnect after a loss with backoff (2 s doubling to 60 s),
 * and open the device's own access point (named after the device, open, 192.168.4.1) when no
 * network is saved or none has been reachable for 60 s; the station keeps trying meanwhile and
 * the AP closes once it is up again. Without the module (`linux`, `sim`, or `wifi: false`) the
 * network is simply up on 127.0.0.1. Credentials are never read or logged here.
 */
import type { Log, Timers, WifiLink } from "./types.ts";

export const AP_AFTER_MS = 60000;
const BACKOFF_MIN_MS = 2000;
const BACKOFF_MAX_MS = 60000;

function loopback(): WifiLink {
  return { state: () => "up", ip: () => "127.0.0.1", rssi: () => null };
}

export function startWifi(hasWifi: boolean, apName: string, timers: Timers, log: Log): WifiLink {
  if (!hasWifi) return loopback();
  let w: EspWifi;
  try {
    w = require("Wifi");
  } catch (e) {
    return loopback();
  }
  let st: "up" | "connecting" | "ap" | "down" = "connecting";
  let apOn = false;
  let backoff = BACKOFF_MIN_MS;
  let retry = 0;
  let apTimer = 0;
  const openAp = (): void => {
    if (apOn) return;
    apOn = true;
    if (st !== "up") st = "ap";
    log("wifi: opening access point " + apName);
    w.startAP(apName, {}, (err) => {
      if (err) log("wifi: access point failed: " + err);
    });
  };
  const armAp = (): void => {
    if (apTimer === 0) {
      apTimer = timers.setTimeout(() => {
        apTimer = 0;
        if (st !== "up") openAp();
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
    st = "up";
    backoff = BACKOFF_MIN_MS;
    if (apTimer !== 0) timers.clearTimeout(apTimer);
    apTimer = 0;
    log("wifi: up");
    if (apOn) {
      apOn = false;
      w.stopAP();
    }
  });
  w.on("disconnected", () => {
    if (st === "up") log("wifi: lost");
    st = apOn ? "ap" : "connecting";
    armAp();
    if (retry === 0) {
      retry = timers.setTimeout(() => {
        retry = 0;
        if (st !== "up") w.restore();
      }, backoff);
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    }
  });
  if (!saved) {
    log("wifi: no saved network");
    openAp();
  } else {
    w.restore();
    armAp();
  }
  return {
    state: () => st,
    ip(): string {
      try {
        const info = st === "ap" ? w.getAPIP() : w.getIP();
        return info && info.ip ? info.ip : "0.0.0.0";
      } catch (e) {
        return "0.0.0.0";
      }
    },
    rssi(): number | null {
      if (st !== "up") return null;
      try {
        const d = w.getDetails();
        return typeof d.rssi === "number" ? d.rssi : null;
      } catch (e) {
        return null;
      }
    },
  };
}

/*
 * The /setup action: join a network with Espruino's `Wifi.connect` and, once joined, keep it for
 * the next boots with `Wifi.save()` (Storage file `.wificfg`). The radio module (wifi.ts) then
 * sees `connected` and closes the access point. The password is passed on, never logged or kept.
 * Without a Wifi module (the linux board) it only logs.
 */
import type { WifiSetup } from "./types.ts";
import type { Log } from "./types.ts";

export function createWifiSetup(hasWifi: boolean, log: Log): WifiSetup {
  return {
    configure(ssid: string, password: string): void {
      if (!hasWifi) {
        log("wifi: no radio, setup of " + ssid + " ignored");
        return;
      }
      let w: EspWifi;
      try {
        w = require("Wifi");
      } catch (e) {
        log("wifi: no Wifi module");
        return;
      }
      log("wifi: joining " + ssid);
      w.connect(ssid, { password: password }, (err) => {
        if (err) {
          log("wifi: could not join " + ssid + ": " + err);
          return;
        }
        w.save();
        log("wifi: joined and saved " + ssid);
      });
    },
    scan(done): void {
      if (!hasWifi) return done([]);
      let w: EspWifi;
      try {
        w = require("Wifi");
      } catch (e) {
        return done([]);
      }
      w.scan((list) => done(list || []));
    },
  };
}

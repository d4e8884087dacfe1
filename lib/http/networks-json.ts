/*
 * GET /api/networks' answer: the Wi-Fi networks a scan saw, for the setup page's list. The
 * strongest first, at most `max`, each name once (its strongest sighting), hidden networks (no
 * name) left out; names escaped by JSON.stringify.
 */

/** A network as Espruino's `Wifi.scan` gives it (the fields used). */
export interface SeenNetwork {
  ssid: string;
  rssi: number;
  authMode: string;
}

export function networksJson(list: SeenNetwork[], max: number): string {
  const best: { [ssid: string]: SeenNetwork } = {};
  const names: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const n = list[i];
    if (typeof n.ssid !== "string" || n.ssid === "" || typeof n.rssi !== "number") continue;
    if (!Object.prototype.hasOwnProperty.call(best, n.ssid)) names.push(n.ssid);
    else if (best[n.ssid].rssi >= n.rssi) continue;
    best[n.ssid] = n;
  }
  names.sort(function (a, b) {
    return best[b].rssi - best[a].rssi;
  });
  let out = "";
  for (let i = 0; i < names.length && i < max; i++) {
    const n = best[names[i]];
    out += (i ? "," : "") + '{"ssid":' + JSON.stringify(n.ssid) + ',"rssi":' + n.rssi + ',"open":' + (n.authMode === "open") + "}";
  }
  return '{"networks":[' + out + "]}";
}

/*
 * Lazy module `lazy:web-stream` (docs/MEMORY.md rule 4): the pieces of the two answers the web
 * server renders on the device, /status (a template in Storage filled with the device's values,
 * statusValues) and /api/samples (the sample ring as JSON). services/web.ts loads it when such an
 * answer starts and keeps it on the connection (`stream_`) until the answer is sent, so its
 * functions take RAM only while one of these answers is under way. Its imports of the device are the resident ones
 * (rollup.config.js, `shareResident`).
 */
import { DEVICE_NAME, FIRMWARE_VERSION } from "board-config";
import { durationText } from "../../lib/duration.ts";
import { escapeHtml } from "../../lib/http/response.ts";
import { SLOT_ROOM, TEMPLATE_PIECE, templateScan } from "../../lib/http/template.ts";
import { readA0 } from "../platform/pins.ts";
import { wifiIp, wifiRssi } from "../platform/wifi.ts";
import { clients, dev, uptimeMs } from "../services/device.ts";
import type { WebConn } from "../services/web.ts";

export { samplesNext, samplesStart } from "../../lib/http/samples-json.ts";

/** /status's values by slot name, escaped: the device now. */
export function statusValues(): { [slot: string]: string } {
  const st = dev.wifi_;
  const rssi = wifiRssi(st);
  const m = process.memory(false);
  const ms = uptimeMs();
  return {
    name: escapeHtml(DEVICE_NAME),
    version: escapeHtml(FIRMWARE_VERSION),
    uptime: "" + ms,
    uptimeText: durationText(ms),
    free: "" + m.free,
    total: "" + m.total,
    led: "" + dev.led_,
    a0: "" + readA0(ms),
    ip: escapeHtml(wifiIp(st)),
    rssi: rssi === null ? "na" : "" + rssi,
    rssiText: rssi === null ? "none (not on a network)" : rssi + " dBm",
    clients: "" + clients(),
    wifi: escapeHtml(st),
  };
}

/** The next piece of a template (Storage file `src` from `at`, `left` bytes): a literal run, or a slot's value. */
export function templateNext(c: WebConn, src: string, at: number, left: number): string | null {
  const values = c.tplValues_ as { [slot: string]: string };
  for (;;) {
    const buf = left <= 0 ? "" : require("Storage").read(src, at, Math.min(TEMPLATE_PIECE + SLOT_ROOM, left)) || "";
    const k = templateScan(buf, buf.length >= left, TEMPLATE_PIECE);
    if (k === 0) return null;
    const n = k < 0 ? -k : k;
    at += n;
    left -= n;
    c.offset_ = at;
    if (k > 0) return buf.substring(0, k);
    // A slot: its value, or on to what follows when it has none.
    const name = buf.substring(2, n - 2);
    const v = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : "";
    if (v !== "") return v;
  }
}

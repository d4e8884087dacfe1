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
import { slotTableName, TEMPLATE_PIECE } from "../../lib/http/template.ts";
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

/**
 * Starts a template answer (Storage file `src`, `bytes` long): the device's values now and the
 * template's slot table (Storage `<src>.t`, written by the build). Gives the answer's length,
 * or -1 when the table is missing (logged).
 */
export function templateStart(c: WebConn, src: string, bytes: number): number {
  const name = slotTableName(src);
  const raw = require("Storage").read(name);
  if (raw === undefined) {
    print("http: missing Storage file " + name);
    return -1;
  }
  const t = JSON.parse(raw) as Array<number | string>;
  const values = statusValues();
  let n = bytes;
  for (let i = 1; i < t.length; i += 2) n += slotValue(values, t[i] as string).length - (t[i] as string).length - 4;
  c.tplValues_ = values;
  c.tplTable_ = t;
  c.tplAt_ = 0;
  return n;
}

/** A slot's value (none for a name the device does not have). */
function slotValue(values: { [slot: string]: string }, name: string): string {
  return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : "";
}

/**
 * The next piece of a template answer (c.offset_ in the template, c.tplAt_ in its table): the
 * literal text read by offset and the slots' values, joined up to TEMPLATE_PIECE bytes, so that
 * a page goes out in a few writes and nothing is searched on the device.
 */
export function templateNext(c: WebConn, src: string): string | null {
  const t = c.tplTable_ as Array<number | string>;
  const values = c.tplValues_ as { [slot: string]: string };
  let i = c.tplAt_ as number;
  let at = c.offset_ as number;
  let out = "";
  for (;;) {
    // Literal text up to the next slot, or to the end, as much as the piece has room for.
    const end = i < t.length ? (t[i] as number) : (c.length_ as number);
    if (at < end) {
      const room = TEMPLATE_PIECE - out.length;
      if (room <= 0) break;
      const n = end - at < room ? end - at : room;
      out += require("Storage").read(src, at, n);
      at += n;
    } else {
      if (i >= t.length) break;
      const name = t[i + 1] as string;
      const v = slotValue(values, name);
      if (out !== "" && out.length + v.length > TEMPLATE_PIECE) break;
      out += v;
      at += name.length + 4;
      i += 2;
    }
  }
  c.tplAt_ = i;
  c.offset_ = at;
  return out === "" ? null : out;
}

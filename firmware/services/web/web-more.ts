/*
 * The web server's rarely used routes (web-server.ts), a lazy module of their own on the device
 * (`lazy:web-more`, loaded for each such request and dropped after it, so none of this code is
 * in RAM while it is not used): /status (the template of the asset index rendered with the
 * device's values, escaped, with an exact Content-Length), /api/status (the same values as
 * JSON), /api/samples (the history as JSON, streamed) and the /setup POST (while the device is
 * its own access point, or with the token; the password is never echoed or logged, and the
 * network is joined once the answer has gone).
 */
import { findAsset } from "../../../lib/http/asset-index.ts";
import { parseForm } from "../../../lib/http/bodies.ts";
import { errorBody, escapeHtml, JSON_TYPE, responseHead } from "../../../lib/http/response.ts";
import { SamplesJson } from "../../../lib/http/samples-json.ts";
import { TemplateRenderer, templateLength } from "../../../lib/http/template.ts";
import { AUTH, FAIL, INDEX_FILE, SEND, STREAM, type Conn, type Web } from "./web-server.ts";

/** The route `what` (a path) for connection `c` of server `w`. */
export function more(w: Web, c: Conn, what: string): void {
  const o = w.o_;
  const d = o.device;
  if (what === "/setup") {
    const f = parseForm(c.bd_ || "", ["ssid", "password", "token"]);
    if (f === null) {
      w.x_(c, FAIL, 400, "", "");
      return;
    }
    if (d.wifiState() !== "ap" && !w.x_(c, AUTH, 0, f["token"] || "")) return;
    const ssid = f["ssid"] || "";
    const password = f["password"] || "";
    if (ssid.length < 1 || ssid.length > 32 || (password.length > 0 && password.length < 8) || password.length > 64) {
      w.x_(c, SEND, 400, errorBody(400, false) + "<p>The network name needs 1 to 32 bytes, the password none or 8 to 63.", "");
      return;
    }
    o.log("http: setup saves network " + ssid);
    c.ss_ = ssid;
    c.pw_ = password;
    w.x_(
      c,
      SEND,
      200,
      '<!doctype html><meta name="viewport" content="width=device-width"><title>Saved</title><h1>Saved</h1><p>Joining ' +
        escapeHtml(ssid) +
        '. The device leaves this page\'s network if it joins; find it on that network. <a href="/">Dashboard</a>',
      "",
    );
    return;
  }
  if (what === "/api/samples") {
    const j = new SamplesJson(o.history);
    c.src_ = j;
    w.x_(c, STREAM, 200, responseHead(200, JSON_TYPE, j.length, "Cache-Control: no-store\r\n"));
    return;
  }
  const rssi = d.rssi();
  const v: { [name: string]: string | number } = {
    name: d.name,
    version: d.version,
    uptime: d.uptimeMs(),
    free: d.freeVars(),
    total: d.totalVars(),
    led: d.led(),
    a0: d.readA0(),
    ip: d.ip(),
    rssi: rssi === null ? "na" : rssi,
    clients: d.clients(),
    wifi: d.wifiState(),
  };
  if (what === "/api/status") {
    w.x_(c, SEND, 200, JSON.stringify(v).replace('"rssi":"na"', '"rssi":null'), "Cache-Control: no-store\r\n");
    return;
  }
  // A template page: its values taken once, rendered twice (its length, then its pieces).
  const index = o.storage.read(INDEX_FILE);
  const a = index === undefined ? null : findAsset(index, what);
  if (a === null) {
    w.x_(c, FAIL, 404, "", "");
    return;
  }
  const file = a.file;
  const bytes = a.bytes;
  const read = function (offset: number, length: number): string | undefined {
    return offset >= bytes ? undefined : o.storage.read(file, offset, Math.min(length, bytes - offset));
  };
  const value = function (name: string): string {
    return Object.prototype.hasOwnProperty.call(v, name) ? escapeHtml(String(v[name])) : "";
  };
  // Pieces of at most 128 bytes: a template is read and copied to RAM a piece at a time.
  const length = templateLength(read, value, 128);
  c.src_ = new TemplateRenderer(read, value, 128);
  w.x_(c, STREAM, 200, responseHead(200, a.type, length, "Cache-Control: no-store\r\n"));
}

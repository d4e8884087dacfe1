/*
 * The web server's rarely used routes (web-server.ts), a lazy module of their own on the device
 * (`lazy:web-more`, loaded for each such request and dropped after it, so none of this code is
 * in RAM while it is not used): the values of /status (the device's values, escaped, for the
 * template that web-server.ts renders), /api/status (the same values as JSON), the start of
 * /api/samples (its length; web-server.ts streams it) and the /setup POST (while the device is
 * its own access point, or with the token; the password is never echoed or logged, and the
 * network is joined once the answer has gone). Nothing made here outlives the request's first
 * write, so the module is dropped before a streamed answer's first piece.
 */
import { parseForm } from "../../../lib/http/bodies.ts";
import { errorBody, escapeHtml, JSON_TYPE, responseHead } from "../../../lib/http/response.ts";
import { samplesStart } from "../../../lib/http/samples-json.ts";
import { AUTH, FAIL, SEND, STREAM, type Conn, type Web } from "./web-server.ts";

/** The route `what` (a path) for connection `c` of server `w`; for /status only sets `c.tv_`. */
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
    c.src_ = true;
    w.x_(c, STREAM, 200, responseHead(200, JSON_TYPE, samplesStart(o.history, c), "Cache-Control: no-store\r\n"));
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
  // The /status template's values.
  for (const k in v) v[k] = escapeHtml(String(v[k]));
  c.tv_ = v as { [name: string]: string };
}

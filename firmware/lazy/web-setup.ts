/*
 * Lazy module `lazy:web-setup` (docs/MEMORY.md): the /setup POST, loaded for each such request and
 * dropped after it (services/web.ts). While the device is its own access point anyone on it may
 * set the network; as a station the control token is needed when one is set. The password is
 * never echoed or logged; the network is joined once the answer has gone (the connection's
 * close), with join(). This module imports no resident firmware module (each lazy module is
 * bundled on its own, so such an import would be a second copy of that module's state): what it
 * needs of the web server is handed to it.
 */
import { HAS_WIFI } from "board-config";
import { parseForm } from "../../lib/http/bodies.ts";
import { networksJson } from "../../lib/http/networks-json.ts";
import { errorBody, escapeHtml } from "../../lib/http/response.ts";
import { consoleLog } from "../platform/console.ts";
import { createWifiSetup } from "../platform/wifi-setup.ts";
import type { WifiState } from "../services/contracts.ts";
import type { WebConn } from "../services/web.ts";

/** What the setup needs of the web server (services/web.ts). */
export interface SetupAnswers {
  send(c: WebConn, status: number, type: string, body: string, extra: string): void;
  fail(c: WebConn, status: number, extra: string): void;
  authed(c: WebConn, formToken: string): boolean;
}

/** Answers a /setup POST on `c`; the device's Wi-Fi is in state `wifi`. */
export function setup(c: WebConn, wifi: WifiState, web: SetupAnswers): void {
  const f = parseForm(c.body_ || "", ["ssid", "password", "token"]);
  if (f === null) return web.fail(c, 400, "");
  if (wifi !== "ap" && !web.authed(c, f["token"] || "")) return;
  const ssid = f["ssid"] || "";
  const password = f["password"] || "";
  // WPA2: a passphrase of 8 to 63 characters, or the key itself as 64 hex digits.
  const passwordOk = password.length === 0 || (password.length >= 8 && password.length <= 63) || (password.length === 64 && !/[^0-9a-fA-F]/.test(password));
  if (ssid.length < 1 || ssid.length > 32 || !passwordOk) {
    return web.send(c, 400, "text/html; charset=utf-8", errorBody(400, false) + "<p>The network name needs 1 to 32 bytes; the password none, 8 to 63 characters, or 64 hex digits.", "");
  }
  consoleLog("http: setup saves network " + ssid);
  c.joinSsid_ = ssid;
  c.joinPassword_ = password;
  web.send(
    c,
    200,
    "text/html; charset=utf-8",
    '<!doctype html><meta name="viewport" content="width=device-width"><title>Saved</title><h1>Saved</h1><p>Joining ' +
      escapeHtml(ssid) +
      '. The device leaves this page\'s network if it joins; find it on that network. <a href="/">Dashboard</a>',
    "",
  );
}

/** GET /api/networks: the networks the radio sees, answered once the scan ends (lib/http/networks-json.ts). */
export function networks(c: WebConn, web: SetupAnswers): void {
  // Being answered: the request timeout (webTick) leaves it while the radio scans.
  c.status_ = 200;
  createWifiSetup(HAS_WIFI, consoleLog).scan(function (list) {
    web.send(c, 200, "application/json", networksJson(list, MAX_NETWORKS), "Cache-Control: no-store\r\n");
  });
}

/** Networks listed at most (each is some 50 bytes of answer and a few variables while it is made). */
const MAX_NETWORKS = 10;

/** Joins the network set by a /setup POST (once its answer has gone). */
export function join(ssid: string, password: string): void {
  createWifiSetup(HAS_WIFI, consoleLog).configure(ssid, password);
}

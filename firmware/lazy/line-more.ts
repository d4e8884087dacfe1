/*
 * Lazy module `lazy:line-more` (docs/MEMORY.md): the line protocol's rarely used commands, HELP,
 * AUTH, UDP and FETCH, loaded for each such line and dropped after it (lazy/line.ts). The UDP
 * push and FETCH they start outlive the line: they are kept in the line service's state (`st`)
 * and keep their own code alive while held. What it needs of the line protocol (lazy:line) is
 * handed to it (`api`).
 */
import { parseRate } from "../../lib/command-parser.ts";
import { isIpv4, parsePort } from "../../lib/decimal.ts";
import { parseHttpUrl } from "../../lib/http-url.ts";
import { consoleLog } from "../platform/console.ts";
import { httpGetter } from "../platform/http-client.ts";
import { timers } from "../platform/timers.ts";
import type { Datagrams } from "../platform/types.ts";
import type { LineMoreState, PushDevice, SocketBudget } from "../services/contracts.ts";
import { FETCH_MAX_BYTES, FETCH_TIMEOUT_MS, FetchService } from "../services/fetch-service.ts";
import type { LineClient } from "./line.ts";
import { UdpPush } from "../services/udp-push.ts";

/** What the commands need of the resident line service. */
export interface LineApi {
  send(c: LineClient, text: string): void;
  authed(c: LineClient): boolean;
  log(c: LineClient, text: string): void;
  lowMemory(): boolean;
  pushDevice(): PushDevice;
  fetchBudget(): SocketBudget;
  /** services/auth.ts's check and whether a token is set. */
  tokenMatches(given: string): boolean;
  tokenRequired(): boolean;
  udp: Datagrams;
}

const HELP =
  "# commands (keywords in any case):\r\n" +
  "# HELP | STATUS | READ | QUIT\r\n" +
  "# LED ON|OFF|TOGGLE\r\n" +
  "# STREAM [ms 50..60000] | STOP\r\n" +
  "# UDP <ipv4> <port> [ms] | UDP OFF\r\n" +
  "# FETCH http://host[:port]/path\r\n" +
  "# AUTH <token>\r\n";

/** Runs HELP, AUTH, UDP or FETCH (`w[0]`, upper case or not) for client `c`. */
export function run(c: LineClient, w: string[], st: LineMoreState, api: LineApi): void {
  const k = w[0].toUpperCase();
  if (k === "HELP") {
    if (w.length > 1) return api.send(c, "ERR EARG HELP takes no argument");
    // Whether this device is open or protected: AUTH answers OK either way.
    return api.send(c, HELP + (api.tokenRequired() ? "# control token: set; LED, UDP and FETCH need AUTH first\r\nOK" : "# control token: none; LED, UDP and FETCH are open to every client\r\nOK"));
  }
  if (k === "AUTH") {
    if (w.length !== 2) return api.send(c, "ERR EARG AUTH <token>");
    c.authed_ = api.tokenMatches(w[1]);
    return api.send(c, c.authed_ ? "OK auth" : "ERR EAUTH wrong token");
  }
  if (k === "UDP") {
    if (w.length === 2 && w[1].toUpperCase() === "OFF") {
      if (!api.authed(c)) return;
      const r = st.push === null ? "OK udp=off" : st.push.off();
      // Dropping the push lets its code go.
      st.push = null;
      return api.send(c, r);
    }
    if (w.length < 3 || w.length > 4 || !isIpv4(w[1])) return api.send(c, "ERR EARG UDP <ipv4> <port> [ms] | UDP OFF");
    const port = parsePort(w[2]);
    const ms = parseRate(w[3]);
    if (port < 0 || ms < 0) return api.send(c, "ERR EARG UDP <ipv4> <port 1..65535> [ms 50..60000]");
    if (!api.authed(c)) return;
    if (api.lowMemory()) return api.send(c, "ERR EBUSY low memory");
    if (st.push === null) st.push = new UdpPush(api.udp, api.pushDevice(), timers, consoleLog);
    return api.send(c, st.push.set(w[1], port, ms));
  }
  // FETCH
  const url = w.length === 2 ? parseHttpUrl(w[1]) : null;
  if (url === null) return api.send(c, "ERR EARG FETCH http://host[:port]/path");
  if (!api.authed(c)) return;
  if (api.lowMemory()) return api.send(c, "ERR EBUSY low memory");
  if (st.fetcher === null) st.fetcher = new FetchService(httpGetter, api.fetchBudget(), timers, consoleLog, FETCH_TIMEOUT_MS, FETCH_MAX_BYTES);
  st.fetcher.start(url, function (reply: string) {
    api.log(c, reply);
    api.send(c, reply);
  });
}

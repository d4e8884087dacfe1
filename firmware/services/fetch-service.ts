/*
 * FETCH: the device makes an HTTP GET itself, one at a time for the whole device. The body is
 * counted, never kept; the answer is `OK status=<code> bytes=<n>` or `ERR ENET <why>` after at
 * most `timeoutMs` (a host that never answers) or `maxBytes` of body (a host that sends 1 MB),
 * and the connection is then closed. The outgoing socket is taken from the budget for as long
 * as it is open, or `graceMs` more after an abort if the platform never reports its end.
 */
import type { HttpUrl } from "../../lib/http-url.ts";
import type { SocketBudget } from "./contracts.ts";
import type { HttpGetEvent, HttpGetter, Log, Timers } from "../platform/types.ts";

export const FETCH_TIMEOUT_MS = 10000;
export const FETCH_MAX_BYTES = 65536;
const GRACE_MS = 5000;

export class FetchService {
  private http_: HttpGetter;
  private b_: SocketBudget;
  private t_: Timers;
  private log_: Log;
  private timeout_: number;
  private max_: number;
  private busy_: boolean;

  constructor(http: HttpGetter, budget: SocketBudget, timers: Timers, log: Log, timeoutMs: number, maxBytes: number) {
    this.http_ = http;
    this.b_ = budget;
    this.t_ = timers;
    this.log_ = log;
    this.timeout_ = timeoutMs;
    this.max_ = maxBytes;
    this.busy_ = false;
  }

  busy(): boolean {
    return this.busy_;
  }

  /** Starts a GET of `url`; `reply` gets exactly one line. */
  start(url: HttpUrl, reply: (line: string) => void): void {
    if (this.busy_) return reply("ERR EBUSY a FETCH is running");
    if (!this.b_.acquire()) return reply("ERR EBUSY no socket");
    this.busy_ = true;
    // Espruino: no arrow function that uses `this` (docs/MEMORY.md).
     
    const self = this;
    const t = self.t_;
    let status = 0;
    let bytes = 0;
    let answered = false;
    let released = false;
    let abort: (() => void) | null = null;
    let timer = 0;
    const release = (): void => {
      if (released) return;
      released = true;
      if (timer !== 0) t.clearTimeout(timer);
      timer = 0;
      self.b_.release();
      self.busy_ = false;
    };
    const answer = (line: string): void => {
      if (answered) return;
      answered = true;
      reply(line);
    };
    const stop = (line: string): void => {
      answer(line);
      if (abort !== null) abort();
      if (timer !== 0) t.clearTimeout(timer);
      timer = t.setTimeout(() => {
        timer = 0;
        self.log_("fetch: connection not closed, slot given back");
        release();
      }, GRACE_MS);
    };
    timer = t.setTimeout(() => {
      timer = 0;
      stop("ERR ENET timeout after " + self.timeout_ + " ms");
    }, self.timeout_);
    const onEvent = (ev: HttpGetEvent, n: number): void => {
      if (ev === "status") status = n;
      else if (ev === "data") {
        bytes += n;
        if (bytes > self.max_ && !answered) stop("ERR ENET body over " + self.max_ + " bytes");
      } else {
        if (ev === "error") answer("ERR ENET error " + n);
        else answer(status > 0 ? "OK status=" + status + " bytes=" + bytes : "ERR ENET no response");
        release();
      }
    };
    // From a timer, not from inside the command: on Espruino's Linux port a GET to a closed port
    // throws at once, and raising that error under the command's deep call stack ran a
    // 1600-variable interpreter out of memory (the catch never ran, the client's data handler was
    // removed, and about 750 variables stayed used; docs/MEMORY.md, round 6).
    t.setTimeout(function () {
      try {
        abort = self.http_.get(url.host, url.port, url.path, onEvent);
      } catch (e) {
        answer("ERR ENET cannot connect");
        release();
      }
    }, 0);
  }
}

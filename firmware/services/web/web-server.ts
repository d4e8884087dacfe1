/*
 * The device's web server (SPEC.md, "HTTP"), on `net` rather than Espruino's `http` (which holds
 * a whole request head in RAM, has no Content-Length and always says "OK"): one request per
 * connection, every limit of lib/http/request-parser.ts, 408 after `timeoutMs`, 503 with
 * Retry-After when the socket budget, the memory guard or the event-stream cap says no.
 *
 * Routes: pages and the /status template come from Storage through the asset index (`w.idx`,
 * written by scripts/build-web.ts), gzip'd when the client accepts it, with an ETag per
 * representation and 304; /api/status, /api/samples (streamed sample by sample), /api/led
 * (POST needs the control token when one is set: 401 with WWW-Authenticate: Bearer), /events
 * (Server-Sent Events, at most `sseMax` at once; a sample is dropped for a listener that has not
 * read the previous one), /setup (POST: while the device is its own access point, or with the
 * token; the password is never echoed or logged). docs/WEB.md has the details.
 */
import { findAsset, type Asset } from "../../../lib/http/asset-index.ts";
import { LED_ON, LED_TOGGLE, parseForm, parseLedBody } from "../../../lib/http/bodies.ts";
import { errorBody, escapeHtml, etagMatches, HTML_TYPE, JSON_TYPE, responseHead } from "../../../lib/http/response.ts";
import { allowOf, matchRoute, type Routes } from "../../../lib/http/router.ts";
import { sampleCsv, SamplesJson } from "../../../lib/http/samples-json.ts";
import { TemplateRenderer, templateLength } from "../../../lib/http/template.ts";
import type { Auth, Device, History, SocketBudget } from "../contracts.ts";
import type { Closable, Log, Net, Socket, Timers } from "../../platform/types.ts";
import { HttpConnection, type ConnectionHost, type Source } from "./http-connection.ts";
import type { StorageFiles, WifiSetup } from "../../platform/types.ts";

export const INDEX_FILE = "w.idx";
export const TIMEOUT_MS = 5000;
/** Seconds a refused client is told to wait. */
export const RETRY_AFTER = 2;

export interface WebServerOptions {
  /** Where startWebServer listens; the firmware's resident core listens itself and hands sockets to accept(). */
  net?: Net;
  port?: number;
  device: Device;
  history: History;
  budget: SocketBudget;
  auth: Auth;
  storage: StorageFiles;
  wifi: WifiSetup;
  log: Log;
  timers: Timers;
  /** Event-stream listeners allowed at once (the board's SSE_LISTENERS). */
  sseMax: number;
  /** Bytes per write (the board's CHUNK_SIZE). */
  chunk: number;
  /** Head and body timeout; TIMEOUT_MS unless a test shortens it. */
  timeoutMs?: number;
}

export interface WebServer extends Closable {
  /** Event-stream listeners now. */
  listeners(): number;
}

type Handler = (c: HttpConnection) => void;

/** A Storage file given in pieces of at most `max` bytes. */
class FileSource {
  private storage_: StorageFiles;
  private name_: string;
  private bytes_: number;
  private offset_: number;

  constructor(storage: StorageFiles, name: string, bytes: number) {
    this.storage_ = storage;
    this.name_ = name;
    this.bytes_ = bytes;
    this.offset_ = 0;
  }

  next(max: number): string | null {
    if (this.offset_ >= this.bytes_) return null;
    const s = this.storage_.read(this.name_, this.offset_, Math.min(max, this.bytes_ - this.offset_));
    if (s === undefined || s.length === 0) return null;
    this.offset_ += s.length;
    return s;
  }
}

/** The token of an `Authorization: Bearer <token>` value, or "". */
function bearerToken(value: string): string {
  return value.substring(0, 7).toLowerCase() === "bearer " ? value.substring(7).trim() : "";
}

/** What a connection needs from the server; the listener (startWebServer or app.ts) calls accept. */
export interface WebHandler {
  accept(sock: Socket): void;
  /** Event-stream listeners now. */
  listeners(): number;
}

/** Everything of the web server but its listening socket (app.ts loads it only while a client is connected). */
export function createWebHandler(o: WebServerOptions): WebHandler {
  const timeoutMs = o.timeoutMs === undefined ? TIMEOUT_MS : o.timeoutMs;
  let sse = 0;
  const retry = "Retry-After: " + RETRY_AFTER + "\r\n";

  function authorized(c: HttpConnection, formToken: string): boolean {
    if (!o.auth.required()) return true;
    const t = bearerToken(c.p.authorization) || formToken;
    return t !== "" && o.auth.check(t);
  }

  function unauthorized(c: HttpConnection): void {
    const given = c.p.authorization !== "";
    c.fail(401, 'WWW-Authenticate: Bearer realm="device"' + (given ? ', error="invalid_token"' : "") + "\r\n");
  }

  function json(c: HttpConnection, body: string): void {
    c.send(200, JSON_TYPE, body, "Cache-Control: no-store\r\n");
  }

  function statusValues(): { [name: string]: string | number } {
    const d = o.device;
    const rssi = d.rssi();
    return {
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
  }

  function renderTemplate(c: HttpConnection, a: Asset): void {
    const v = statusValues();
    const value = (name: string): string => (Object.prototype.hasOwnProperty.call(v, name) ? escapeHtml(String(v[name])) : "");
    const read = (offset: number, length: number): string | undefined =>
      offset >= a.bytes ? undefined : o.storage.read(a.file, offset, Math.min(length, a.bytes - offset));
    const length = templateLength(read, value, o.chunk);
    c.stream(200, responseHead(200, a.type, length, "Cache-Control: no-store\r\n"), new TemplateRenderer(read, value, o.chunk));
  }

  function serveAsset(c: HttpConnection, a: Asset): void {
    if (a.kind === "t") {
      renderTemplate(c, a);
      return;
    }
    const gz = a.gzFile !== "" && c.p.gzip;
    const etag = gz ? a.gzEtag : a.etag;
    const extra = (a.gzFile !== "" ? "Vary: Accept-Encoding\r\n" : "") + "ETag: " + etag + "\r\nCache-Control: no-cache\r\n";
    if (etagMatches(c.p.ifNoneMatch, etag)) {
      c.stream(304, responseHead(304, "", -1, extra), null);
      return;
    }
    const file = gz ? a.gzFile : a.file;
    const bytes = gz ? a.gzBytes : a.bytes;
    if (o.storage.read(file, 0, 1) === undefined) {
      o.log("http: missing Storage file " + file);
      c.fail(404, "");
      return;
    }
    c.stream(200, responseHead(200, a.type, bytes, extra + (gz ? "Content-Encoding: gzip\r\n" : "")), new FileSource(o.storage, file, bytes));
  }

  function asset(route: string): Asset | null {
    const index = o.storage.read(INDEX_FILE);
    return index === undefined ? null : findAsset(index, route);
  }

  function page(c: HttpConnection): void {
    const a = asset(c.p.path);
    if (a === null) c.fail(404, "");
    else serveAsset(c, a);
  }

  function events(c: HttpConnection): void {
    if (sse >= o.sseMax || o.device.lowMemory()) {
      c.fail(503, retry);
      return;
    }
    const head = responseHead(200, "text/event-stream", -1, "Cache-Control: no-store\r\n");
    if (c.p.method === "HEAD") {
      c.stream(200, head, null);
      return;
    }
    sse++;
    let waiting = true;
    const unsubscribe = o.history.subscribe((s) => {
      if (waiting) return; // the client has not read the last one: this sample is dropped for it
      waiting = true;
      c.write("data: " + sampleCsv(s) + "\n\n");
    });
    c.onDrain = () => {
      waiting = false;
    };
    c.onClose = () => {
      sse--;
      unsubscribe();
    };
    c.begin(200, head + "retry: 3000\n\n");
  }

  function setupPost(c: HttpConnection): void {
    const f = parseForm(c.p.body, ["ssid", "password", "token"]);
    if (f === null) {
      c.fail(400, "");
      return;
    }
    if (o.device.wifiState() !== "ap" && !authorized(c, f["token"] || "")) {
      unauthorized(c);
      return;
    }
    const ssid = f["ssid"] || "";
    const password = f["password"] || "";
    if (ssid.length < 1 || ssid.length > 32 || (password.length > 0 && password.length < 8) || password.length > 64) {
      c.send(400, HTML_TYPE, errorBody(400, false) + "<p>The network name needs 1 to 32 bytes, the password none or 8 to 63.", "");
      return;
    }
    o.log("http: setup saves network " + ssid);
    c.onClose = () => o.wifi.configure(ssid, password);
    c.send(
      200,
      HTML_TYPE,
      '<!doctype html><meta name="viewport" content="width=device-width"><title>Saved</title><h1>Saved</h1><p>Joining ' +
        escapeHtml(ssid) +
        '. The device leaves this page\'s network if it joins; find it on that network. <a href="/">Dashboard</a>',
      "",
    );
  }

  const routes: Routes<Handler> = {
    "/status": { GET: page },
    "/setup": { GET: page, POST: setupPost },
    "/events": { GET: events },
    "/api/status": { GET: (c) => json(c, JSON.stringify(statusValues()).replace('"rssi":"na"', '"rssi":null')) },
    "/api/samples": {
      GET: (c) => {
        const w = new SamplesJson(o.history);
        c.stream(200, responseHead(200, JSON_TYPE, w.length, "Cache-Control: no-store\r\n"), w as Source);
      },
    },
    "/api/led": {
      GET: (c) => json(c, '{"led":' + o.device.led() + "}"),
      POST: (c) => {
        if (!authorized(c, "")) {
          unauthorized(c);
          return;
        }
        const v = parseLedBody(c.p.body);
        if (v < 0) {
          c.fail(400, "");
          return;
        }
        const on = v === LED_TOGGLE ? o.device.led() === 0 : v === LED_ON;
        json(c, '{"led":' + o.device.setLed(on) + "}");
      },
    },
  };

  const host: ConnectionHost = {
    timers: o.timers,
    timeoutMs,
    chunk: o.chunk,
    log: o.log,
    dispatch(c: HttpConnection): void {
      const m = matchRoute(routes, c.p.method, c.p.path);
      if (m.handler) m.handler(c);
      else if (m.status === 405) c.fail(405, "Allow: " + m.allow + "\r\n");
      else if (asset(c.p.path) === null) c.fail(404, "");
      else if (c.p.method === "GET" || c.p.method === "HEAD") page(c);
      else c.fail(405, "Allow: " + allowOf({ GET: 1 }) + "\r\n");
      o.log("http " + c.p.method + " " + c.p.path.substring(0, 64) + " " + c.status);
    },
    closed(): void {
      o.budget.release();
    },
  };

  /** Refuses a client (no socket or memory to spare): 503 once its request starts, or after a second. */
  function refuse(sock: Socket): void {
    let done = false;
    const answer = (): void => {
      if (done) return;
      done = true;
      try {
        sock.end(responseHead(503, HTML_TYPE, errorBody(503, false).length, retry) + errorBody(503, false));
      } catch (e) {
        o.log("http: refuse failed: " + e);
      }
    };
    sock.on("data", answer);
    sock.on("close", () => {
      done = true;
    });
    sock.on("error", () => undefined);
    o.timers.setTimeout(answer, 1000);
  }

  function accept(sock: Socket): void {
    if (!o.budget.acquire()) {
      o.log("http: refused, no socket to spare");
      refuse(sock);
      return;
    }
    if (o.device.lowMemory()) {
      o.budget.release();
      o.log("http: refused, low memory");
      refuse(sock);
      return;
    }
    new HttpConnection(sock, host);
  }

  return {
    accept: accept,
    listeners(): number {
      return sse;
    },
  };
}

export function startWebServer(o: WebServerOptions & { net: Net; port: number }): WebServer {
  const h = createWebHandler(o);
  const server = o.net.listen(o.port, h.accept);
  return {
    close(): void {
      server.close();
    },
    listeners: h.listeners,
  };
}

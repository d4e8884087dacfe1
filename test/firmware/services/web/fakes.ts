/*
 * The web server's test rig, over the Espruino fakes of ../fakes.ts: the pages in the fake
 * Storage with their asset index (as scripts/build-web.ts writes `w.idx`), a connection that
 * sends a request and plays the network (each `drain` once the test lets the queued bytes go,
 * the close once the server has ended and everything is sent), and the reply parsed.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { assetLine, type Asset } from "../../../../lib/http/asset-index.ts";
import { slotTable, slotTableName } from "../../../../lib/http/template.ts";
import { FakeSocket, firmwareModule, loadDevice, storage } from "../fakes.ts";

export * from "../fakes.ts";

/** What the tests use of firmware/services/web.ts. */
export interface WebModule {
  INDEX_FILE: string;
  TIMEOUT_S: number;
  RETRY_AFTER: number;
  PIECE_BYTES: number;
  TEMPLATE_PIECE: number;
  WEB_NEED: number;
  PARSER_VARS: number;
  webAccept(s: FakeSocket): void;
  webTick(): void;
  parserLoaded(): boolean;
}

/** firmware/services/web.ts, once loadWeb() has run. */
export let web: WebModule;

/** Imports the device and the web server (the test file's before() hook). */
export async function loadWeb(): Promise<void> {
  await loadDevice();
  web = await firmwareModule<WebModule>("services/web.ts");
}

const etag = (s: string): string => `"${createHash("sha256").update(s, "latin1").digest("hex").slice(0, 10)}"`;

/** Puts assets (route → [kind, type, text]) into the fake Storage with their index; static ones get a gzip variant. */
export function installAssets(assets: Record<string, [string, string, string]>): void {
  let index = "# test index";
  let n = 0;
  for (const [route, [kind, type, text]] of Object.entries(assets)) {
    const file = `w.${n++}`;
    storage.files.set(file, text);
    const a: Asset = { kind, type, file, bytes: text.length, etag: etag(text), gzFile: "", gzBytes: 0, gzEtag: "" };
    if (kind === "t") storage.files.set(slotTableName(file), JSON.stringify(slotTable(text)));
    if (kind === "s") {
      const gz = gzipSync(Buffer.from(text, "latin1")).toString("latin1");
      a.gzFile = file + ".gz";
      a.gzBytes = gz.length;
      a.gzEtag = etag(gz);
      storage.files.set(a.gzFile, gz);
    }
    index += "\n" + assetLine(route, a);
  }
  storage.files.set(web.INDEX_FILE, index);
}

export const PAGE = "<!doctype html><title>Dash</title>" + "x".repeat(3000);
export const TEMPLATE = "<p>up {{uptime}} ({{uptimeText}}) free {{free}} of {{total}} ip {{ip}} rssi {{rssi}} ({{rssiText}}) led {{led}} a0 {{a0}} clients {{clients}} wifi {{wifi}} {{name}}<{{nope}}>";
/** A template longer than a template piece, with slots on both sides of the piece boundaries. */
export const LONG_TEMPLATE = ("a".repeat(100) + "{{led}}" + "b".repeat(150) + "{{uptime}}").repeat(4) + "end";

/** The pages of the tests. */
export function installPages(): void {
  installAssets({
    "/": ["s", "text/html;charset=utf-8", PAGE],
    "/about": ["s", "text/html;charset=utf-8", "<p>about</p>"],
    "/setup": ["s", "text/html;charset=utf-8", "<form method=post>"],
    "/status": ["t", "text/html;charset=utf-8", TEMPLATE],
    "/long": ["t", "text/html;charset=utf-8", LONG_TEMPLATE],
  });
}

/** A client connects. */
export function connect(): FakeSocket {
  const s = new FakeSocket();
  web.webAccept(s);
  return s;
}

/**
 * Plays the network: sends what is queued (a `drain` each time) until the server has nothing more
 * to say; once it has ended and all is sent, the connection closes.
 */
export function pump(s: FakeSocket): void {
  for (let i = 0; i < 10000 && !s.closed; i++) {
    if (s.held() > 0) s.drain();
    else {
      if (s.ended) s.close();
      return;
    }
  }
}

export interface Reply {
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: string;
  raw: string;
  sock: FakeSocket;
}

export function parseReply(sock: FakeSocket): Reply {
  const raw = sock.out;
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) throw new Error("no complete head in " + JSON.stringify(raw.substring(0, 200)));
  const head = raw.substring(0, end).split("\r\n");
  const m = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(head[0]);
  if (!m) throw new Error("bad status line: " + JSON.stringify(head[0]));
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(":");
    headers[line.substring(0, i).toLowerCase()] = line.substring(i + 1).trim();
  }
  return { status: Number(m[1]), reason: m[2], headers, body: raw.substring(end + 4), raw, sock };
}

/** Sends `req` (whole, or in the given pieces) on a new connection, plays the network, and parses the reply. */
export function request(req: string | string[]): Reply {
  const s = connect();
  for (const piece of typeof req === "string" ? [req] : req) s.send(piece);
  pump(s);
  return parseReply(s);
}

export const get = (path: string, headers = ""): string => `GET ${path} HTTP/1.1\r\nHost: d\r\n${headers}\r\n`;
export const post = (path: string, body: string, headers = ""): string =>
  `POST ${path} HTTP/1.1\r\nHost: d\r\nContent-Length: ${body.length}\r\n${headers}\r\n${body}`;

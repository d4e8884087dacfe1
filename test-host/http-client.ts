/*
 * A raw HTTP/1.x client for conformance checks: sends exactly the bytes it is given (so
 * malformed requests can be sent), reads until the device closes (docs/WEB.md, "Responses":
 * Connection: close), and parses the status line, headers and body without forgiving anything.
 */
import { HarnessError } from "./errors.ts";
import { type Endpoint, Reader } from "./tcp.ts";

export const REASONS: Record<number, string> = {
  200: "OK",
  204: "No Content",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  411: "Length Required",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

/** Older names RFC 7231 used, which are just as real. */
const ALSO: Record<number, string[]> = { 413: ["Payload Too Large", "Request Entity Too Large"], 414: ["Request-URI Too Long"] };

export function isRealReason(status: number, reason: string): boolean {
  return REASONS[status] === reason || (ALSO[status] ?? []).indexOf(reason) >= 0;
}

export interface HttpResponse {
  statusLine: string;
  version: string;
  status: number;
  reason: string;
  /** Header names lower-cased; a repeated header keeps the last value (all are in `headerList`). */
  headers: Record<string, string>;
  headerList: Array<[string, string]>;
  body: Buffer;
  /** True when the device closed the connection. */
  closed: boolean;
  ms: number;
}

/** Parses a whole response as received; throws EPROTO when there is no complete head. */
export function parseResponse(raw: Buffer, closed: boolean, ms: number): HttpResponse {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) {
    throw new HarnessError("EPROTO", raw.length === 0 ? (closed ? "closed with no response" : "no response") : `incomplete response head: ${JSON.stringify(raw.subarray(0, 120).toString("latin1"))}`);
  }
  const lines = raw.subarray(0, end).toString("latin1").split("\r\n");
  const statusLine = lines[0];
  const m = /^(HTTP\/1\.[01]) ([0-9]{3}) (.*)$/.exec(statusLine);
  if (!m) throw new HarnessError("EPROTO", `bad status line ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  const headerList: Array<[string, string]> = [];
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i <= 0) throw new HarnessError("EPROTO", `bad header line ${JSON.stringify(l)}`);
    const name = l.slice(0, i).trim().toLowerCase();
    const value = l.slice(i + 1).trim();
    headers[name] = value;
    headerList.push([name, value]);
  }
  return { statusLine, version: m[1], status: Number(m[2]), reason: m[3], headers, headerList, body: raw.subarray(end + 4), closed, ms };
}

export interface RequestOptions {
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** Stop reading once this many ms have passed (for event streams); the response need not close. */
  readForMs?: number;
}

/** Sends raw bytes and reads the answer until the device closes; the answer is parsed. */
export async function httpRaw(ep: Endpoint, request: string | Buffer, opts: RequestOptions = {}): Promise<HttpResponse> {
  const t0 = Date.now();
  const r = await Reader.open(ep, opts.connectTimeoutMs ?? 3000);
  try {
    await r.write(request).catch(() => undefined);
    const wait = opts.readForMs ?? opts.timeoutMs ?? 5000;
    const { data, closed } = await r.all(wait);
    if (!closed && opts.readForMs === undefined) {
      const partial = data.length ? ` after ${data.length} bytes` : "";
      throw new HarnessError("ETIMEOUT", `the device did not close the connection within ${wait} ms${partial}`);
    }
    return parseResponse(data, closed, Date.now() - t0);
  } finally {
    r.close();
  }
}

/** A request with the usual head: `METHOD path HTTP/1.1`, Host, the given headers and body. */
export function buildRequest(method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer, version = "HTTP/1.1"): Buffer {
  const h: string[] = [`${method} ${path} ${version}`, "Host: device"];
  for (const k of Object.keys(headers)) h.push(`${k}: ${headers[k]}`);
  if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === "content-length")) h.push(`Content-Length: ${Buffer.byteLength(body)}`);
  const head = Buffer.from(h.join("\r\n") + "\r\n\r\n", "latin1");
  return body === undefined ? head : Buffer.concat([head, Buffer.isBuffer(body) ? body : Buffer.from(body, "latin1")]);
}

export function httpGet(ep: Endpoint, path: string, headers: Record<string, string> = {}, opts: RequestOptions = {}): Promise<HttpResponse> {
  return httpRaw(ep, buildRequest("GET", path, headers), opts);
}

/** What docs/WEB.md, "Responses" asks of every response: real reason, Content-Type, Content-Length (event streams and 304 excepted) equal to the body, Connection: close. Returns the problems. */
export function responseProblems(res: HttpResponse): string[] {
  const p: string[] = [];
  if (!isRealReason(res.status, res.reason)) p.push(`reason "${res.reason}" for ${res.status}, want "${REASONS[res.status] ?? "?"}"`);
  const isStream = (res.headers["content-type"] ?? "").startsWith("text/event-stream");
  if (res.status !== 304 && !res.headers["content-type"]) p.push("no Content-Type");
  if (res.status !== 304 && !isStream) {
    const cl = res.headers["content-length"];
    if (cl === undefined) p.push("no Content-Length");
    else if (!/^[0-9]+$/.test(cl) || Number(cl) !== res.body.length) p.push(`Content-Length ${cl} but ${res.body.length} body bytes`);
  }
  if ((res.headers["connection"] ?? "").toLowerCase() !== "close") p.push(`Connection: ${res.headers["connection"] ?? "(none)"}, want close`);
  return p;
}

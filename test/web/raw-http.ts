/*
 * A raw HTTP/1.x client for the end-to-end tests: writes exactly the bytes given (whole, in
 * pieces, or slowly), reads until the server closes, and parses the one response. A reset after
 * the response arrived (the server closed while we were still sending) is not an error.
 */
import { connect, type Socket } from "node:net";

export interface RawReply {
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: Buffer;
  raw: Buffer;
  error?: string;
}

export function parseRaw(raw: Buffer): RawReply {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return { status: 0, reason: "", headers: {}, body: Buffer.alloc(0), raw };
  const head = raw.subarray(0, end).toString("latin1").split("\r\n");
  const m = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(head[0]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(":");
    headers[line.substring(0, i).toLowerCase()] = line.substring(i + 1).trim();
  }
  return { status: m ? Number(m[1]) : -1, reason: m ? m[2] : head[0], headers, body: raw.subarray(end + 4), raw };
}

export interface RawOptions {
  /** Pieces sent one after another, `gapMs` apart. */
  gapMs?: number;
  /** Give up (and resolve with what arrived) after this long. */
  timeoutMs?: number;
  /** Called with the socket once connected (to close it early, say). */
  onData?: (sock: Socket, received: number) => void;
}

export function rawRequest(port: number, req: string | Buffer | (string | Buffer)[], o: RawOptions = {}): Promise<RawReply> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    const sock = connect(port, "127.0.0.1");
    let received = 0;
    const timer = setTimeout(() => {
      error = "timeout";
      sock.destroy();
    }, o.timeoutMs ?? 10000);
    sock.on("data", (d) => {
      chunks.push(d);
      received += d.length;
      o.onData?.(sock, received);
    });
    sock.on("error", (e) => {
      error = (e as NodeJS.ErrnoException).code ?? e.message;
    });
    sock.on("close", () => {
      clearTimeout(timer);
      const r = parseRaw(Buffer.concat(chunks));
      if (error) r.error = error;
      resolve(r);
    });
    const pieces = Array.isArray(req) ? req : [req];
    let i = 0;
    const next = (): void => {
      if (i >= pieces.length || sock.destroyed) return;
      sock.write(pieces[i++], () => {
        if (o.gapMs) setTimeout(next, o.gapMs);
        else next();
      });
    };
    sock.on("connect", next);
  });
}

export const GET = (path: string, headers = ""): string => `GET ${path} HTTP/1.1\r\nHost: device\r\n${headers}\r\n`;
export const POST = (path: string, body: string, headers = ""): string =>
  `POST ${path} HTTP/1.1\r\nHost: device\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`;

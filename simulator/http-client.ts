/*
 * The client half of Espruino's `http`, over the simulator's own `net` sockets (so it takes a
 * budget slot and sees the chunking and faults): http.request(options|url, cb(res)) and
 * http.get(...), which forces GET and calls end() itself. The request is `HTTP/1.1` with
 * `User-Agent: Espruino <version>`, `Connection: close` and `Host` (unless given), and no automatic
 * Content-Length. `res.statusCode` is a String; `res` has statusMessage, httpVersion, headers
 * (names as the server sent them), 'data', 'end' (early when Content-Length is met, else at close),
 * 'close'. A connection dropped before the headers gives 'error' -15 "no response" on the request.
 * Not provided: http.createServer (the firmware builds its own server on `net`), chunked replies
 * are passed through undecoded.
 */
import type { Chip, Life } from "./chip.ts";
import { Emitter } from "./emitter.ts";
import { connectOut, type SimSocket } from "./net.ts";
import { toByteString } from "./storage.ts";

interface RequestOptions {
  host?: string;
  port?: number;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
}

class ClientResponse extends Emitter {
  statusCode = "";
  statusMessage = "";
  httpVersion = "";
  headers: Record<string, string> = {};
}

class ClientRequest extends Emitter {
  #sock: SimSocket;
  #life: Life;
  constructor(life: Life, sock: SimSocket) {
    super(life.dispatch);
    this.#life = life;
    this.#sock = sock;
  }
  write(data: unknown): boolean {
    this.#sock.write(toByteString(data));
    return false;
  }
  end(data?: unknown): void {
    if (data !== undefined) this.#sock.write(toByteString(data));
    void this.#life;
  }
}

function parseOptions(options: unknown): RequestOptions {
  if (typeof options === "string") {
    const u = new URL(options);
    return { host: u.hostname, port: u.port ? Number(u.port) : 80, path: u.pathname + u.search };
  }
  return (options ?? {}) as RequestOptions;
}

export function createHttpModule(chip: Chip, life: Life, version: string): object {
  const request = (options: unknown, cb?: unknown): ClientRequest => {
    const o = parseOptions(options);
    const host = o.host ?? "localhost";
    const port = o.port ?? 80;
    const sock = connectOut(chip, life, host, port);
    const req = new ClientRequest(life, sock);
    const res = new ClientResponse(life.dispatch);
    if (typeof cb === "function") req.on("response", cb as () => void);
    let head = `${o.method ?? "GET"} ${o.path ?? "/"} HTTP/1.1\r\nUser-Agent: Espruino ${version}\r\nConnection: close\r\n`;
    const headers = o.headers ?? {};
    const names = Object.keys(headers);
    if (!names.some((n) => n.toLowerCase() === "host")) head += `Host: ${host}\r\n`;
    for (const n of names) head += `${n}: ${headers[n]}\r\n`;
    sock.write(head + "\r\n");
    let buf = "";
    let gotHead = false;
    let remaining = -1;
    let ended = false;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      res.emit("end");
    };
    sock.on("data", (d: unknown) => {
      const chunk = String(d);
      if (!gotHead) {
        buf += chunk;
        const i = buf.indexOf("\r\n\r\n");
        if (i < 0) return;
        gotHead = true;
        const lines = buf.slice(0, i).split("\r\n");
        const m = /^HTTP\/(\S+) (\d+) ?(.*)$/.exec(lines[0]) ?? ["", "1.1", "0", ""];
        res.httpVersion = m[1];
        res.statusCode = m[2];
        res.statusMessage = m[3];
        for (const l of lines.slice(1)) {
          const c = l.indexOf(":");
          if (c > 0) res.headers[l.slice(0, c)] = l.slice(c + 1).trim();
        }
        const cl = Object.keys(res.headers).find((k) => k.toLowerCase() === "content-length");
        if (cl !== undefined) remaining = Number(res.headers[cl]);
        req.emit("response", res);
        const body = buf.slice(i + 4);
        buf = "";
        if (body.length > 0) {
          res.emit("data", body);
          if (remaining >= 0) remaining -= body.length;
        }
        if (remaining === 0) finish();
        return;
      }
      if (ended) return;
      res.emit("data", chunk);
      if (remaining >= 0) {
        remaining -= chunk.length;
        if (remaining <= 0) finish();
      }
    });
    sock.on("error", (e: unknown) => {
      if (!gotHead) req.emit("error", e);
      else res.emit("error", e);
    });
    sock.on("close", (hadError: unknown) => {
      if (!gotHead) {
        if (!hadError) req.emit("error", { code: -15, message: "no response" });
        return;
      }
      finish();
      res.emit("close", hadError);
    });
    return req;
  };
  return {
    request,
    get(options: unknown, cb?: unknown): ClientRequest {
      const o = parseOptions(options);
      const req = request({ ...o, method: "GET" }, cb);
      req.end();
      return req;
    },
  };
}

/*
 * HTTP GET for FETCH over Espruino's `http.get`. The body is counted, never kept: each `data`
 * chunk only reports its length. Espruino's client has no abort(); setting `clsNow` on the
 * request (the flag its socket loop reads, libs/network/socketserver.c) closes the connection
 * on the next idle, so a timeout or a byte bound really frees the socket.
 */
import type { HttpGetEvent, HttpGetter } from "./types.ts";

export const httpGetter: HttpGetter = {
  get(host: string, port: number, path: string, cb: (ev: HttpGetEvent, n: number) => void): () => void {
    let done = false;
    const finish = (ev: HttpGetEvent, n: number): void => {
      if (done) return;
      done = true;
      cb(ev, n);
    };
    const req = require("http").get({ host: host, port: port, path: path }, (res) => {
      cb("status", parseInt(res.statusCode, 10) || 0);
      res.on("data", (d: string) => {
        if (!done) cb("data", d.length);
      });
      res.on("close", () => finish("end", 0));
      res.on("error", (e) => finish("error", e.code));
    });
    req.on("error", (e) => finish("error", e.code));
    return () => {
      (req as unknown as { clsNow: boolean }).clsNow = true;
    };
  },
};

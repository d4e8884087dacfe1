/*
 * The HTTP server the harness runs on this machine for the device's `FETCH` command: known
 * bodies at known paths, and a record of every request it got, so a check can tell that the
 * device really made the GET and reported the status and byte count it received.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FetchServer {
  port: number;
  /** Paths and bodies served with 200; anything else is a 404 with NOT_FOUND_BODY. */
  bodies: Record<string, Buffer>;
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

export const NOT_FOUND_BODY = "not here\n";

export function startFetchServer(host: string): Promise<FetchServer> {
  const bodies: Record<string, Buffer> = {
    "/harness/hello": Buffer.alloc(1234, "x"),
    "/harness/empty": Buffer.alloc(0),
  };
  const requests: FetchServer["requests"] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    const body = bodies[req.url ?? ""];
    if (body) {
      res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": body.length, Connection: "close" });
      res.end(body);
    } else {
      res.writeHead(404, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(NOT_FOUND_BODY), Connection: "close" });
      res.end(NOT_FOUND_BODY);
    }
  });
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, host, () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        bodies,
        requests,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

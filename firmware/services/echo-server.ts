/*
 * Echo, RFC 862, over TCP and UDP: every byte comes back unchanged, binary-safe, in order.
 *
 * TCP: what is echoed but not yet sent is counted until the next `drain` (Espruino fires it when
 * its send buffer is empty). A client that sends without reading makes that count grow; past
 * MAX_UNSENT bytes it is closed, so no client can make the device hold more than about 2 KB.
 * UDP: each datagram goes back to its sender (Espruino's ESP8266 port drops datagrams over 260 B).
 */
import type { Closable, Log, Net, Socket } from "../platform/types.ts";

/** Bytes echoed but not yet handed to the network, past which a connection is closed (SPEC.md: at most 2 KB). */
export const MAX_UNSENT = 2048;

export interface EchoOptions {
  net: Net;
  port: number;
  log: Log;
  /** Called for each accepted TCP connection; returns false to refuse it (the caller has closed it). */
  admit?: (socket: Socket) => boolean;
}

/** Serves one accepted TCP connection. */
export function serveEcho(socket: Socket, log: Log): void {
  let unsent = 0;
  let closed = false;
  socket.on("data", (data: string) => {
    if (closed) return;
    unsent += data.length;
    if (unsent > MAX_UNSENT) {
      closed = true;
      log("echo: client not reading, closed");
      socket.end();
      return;
    }
    socket.write(data);
  });
  socket.on("drain", () => {
    unsent = 0;
  });
  socket.on("close", () => {
    closed = true;
  });
}

export function startEchoServer(opts: EchoOptions): Closable {
  const tcp = opts.net.listen(opts.port, (socket: Socket) => {
    if (opts.admit && !opts.admit(socket)) return;
    serveEcho(socket, opts.log);
  });
  const udp = opts.net.udp(opts.port);
  udp.on("message", (msg, rinfo) => {
    udp.send(msg, rinfo.port, rinfo.address);
  });
  return {
    close() {
      tcp.close();
      udp.close();
    },
  };
}

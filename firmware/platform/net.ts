/*
 * The platform's networking: Espruino's `net` and `dgram` behind the Net interface.
 * The only file that requires them.
 */
import type { Closable, Datagrams, Net, Socket } from "./types.ts";

export function createNet(): Net {
  const net = require("net");
  const dgram = require("dgram");
  return {
    listen(port: number, onConnection: (socket: Socket) => void): Closable {
      return net.createServer(onConnection).listen(port);
    },
    udp(port: number): Datagrams {
      const sock = dgram.createSocket("udp4");
      if (port > 0) sock.bind(port);
      return sock;
    },
  };
}

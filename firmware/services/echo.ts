/*
 * Echo, RFC 862, over TCP: every byte comes back unchanged, binary-safe, in order. UDP echo has
 * no state and is answered by app.ts itself.
 *
 * Limits: a client that sends without reading makes Espruino's send buffer (`dSnd`, the bytes
 * not yet handed to the network) grow; once it would pass MAX_UNSENT the client is closed, so no
 * client makes the device hold more than 2 KB, and a client that keeps at most 1 KB unread loses
 * nothing. A connection quiet for ECHO_IDLE_S seconds is closed by the once-a-second sweep.
 *
 * Shape (docs/MEMORY.md): a connection is its socket, with one field (`quiet_`, the seconds since
 * its last byte); two listeners shared by every connection (`this` is the socket). No drain
 * listener (the bound reads the send buffer), no error listener (Espruino drops an event nobody
 * hears, and the close that follows frees the connection).
 */
import type { EspruinoSocket } from "../platform/socket-held.ts";
import { admit, echoSockets, forget, GUARD_VARS } from "./device.ts";

/** Bytes echoed but not yet handed to the network, past which a connection is closed (docs/PROTOCOL.md, "Echo"). */
export const MAX_UNSENT = 2048;
/** Seconds a connection may stay quiet. */
export const ECHO_IDLE_S = 120;
/** Free variables a new echo client needs: the guard, plus its socket and a chunk in flight (docs/MEMORY.md). */
export const ECHO_NEED = GUARD_VARS + 60;

/** An echo connection: its socket, and the seconds since its last byte. */
export type EchoSocket = EspruinoSocket & { quiet_?: number };

/** Takes an accepted socket (the listener's callback). */
export function echoAccept(s: EchoSocket): void {
  // A peer that closed before this ran has a socket Espruino already killed: its close never comes.
  if (s.sckt === undefined) return;
  const why = admit(echoSockets, s, ECHO_NEED);
  if (why !== "") {
    print("echo: refused, " + why);
    s.end();
    return;
  }
  s.on("data", echoData);
  s.on("close", echoClose);
}

function echoData(this: EchoSocket, d: string): void {
  this.quiet_ = 0;
  const held = this.dSnd;
  try {
    if (held !== undefined && held.length + d.length > MAX_UNSENT) {
      print("echo: client not reading, closed");
      // end() would wait for the unsent bytes, which this client does not read, and Espruino
      // closes a socket only in a poll that received nothing: `clsNow` closes it at once.
      this.clsNow = true;
    } else this.write(d);
  } catch (e) {
    // Written after a close: the close event frees it.
  }
}

function echoClose(this: EchoSocket): void {
  forget(echoSockets, this);
}

/** The once-a-second sweep: closes the connections quiet for ECHO_IDLE_S. */
export function echoSweep(): void {
  for (let i = 0; i < echoSockets.length; i++) {
    const s = echoSockets[i] as EchoSocket;
    const q = (s.quiet_ || 0) + 1;
    s.quiet_ = q;
    if (q > ECHO_IDLE_S) {
      try {
        s.end();
      } catch (e) {
        // Already closed.
      }
    }
  }
}

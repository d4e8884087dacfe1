/*
 * Bytes a socket still holds to send. Espruino keeps them in the socket's `dSnd` string (a
 * plain property, libs/network/socketserver.c), which it empties as chunks go out; its `drain`
 * only fires when that buffer is empty at the end of a send, which a steady two-way flow may
 * never reach. So on Espruino, and in the simulator, which models both properties (a socket
 * with `sckt`), the exact figure is read from `dSnd`; elsewhere (unit-test fakes without
 * `sckt`) the caller's own count of bytes written is the best estimate. Espruino also removes
 * `sckt` from a socket it has killed (platform/resident.ts reads that).
 */
import type { Socket } from "./types.ts";

/** A socket with the properties Espruino keeps on it. */
export type EspruinoSocket = Socket & { sckt?: number; dSnd?: string };

export function heldBytes(s: Socket, counted: number): number {
  const e = s as EspruinoSocket;
  if (e.sckt === undefined) return counted;
  return typeof e.dSnd === "string" ? e.dSnd.length : 0;
}

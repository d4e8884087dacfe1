/*
 * The two properties Espruino keeps on a socket that the services read
 * (libs/network/socketserver.c): `dSnd`, the bytes queued but not yet handed to the network
 * (emptied as chunks go out; `drain` fires only once it is empty), which the services' bounds
 * read; and `sckt`, which Espruino removes from a socket it has killed, so a socket without it
 * is no longer open (services/device.ts counts from it). The simulator models both.
 */
import type { Socket } from "./types.ts";

/** A socket with the properties Espruino keeps on it. */
export type EspruinoSocket = Socket & { sckt?: number; dSnd?: string };

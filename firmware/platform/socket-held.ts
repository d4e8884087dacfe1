/*
 * The properties Espruino keeps on a socket that the services use
 * (libs/network/socketserver.c): `dSnd`, the bytes queued but not yet handed to the network
 * (emptied as chunks go out; `drain` fires only once it is empty), which the services' bounds
 * read (it is "" once everything has gone, absent before the first write); `sckt`, which Espruino
 * removes from a socket it has killed, so a socket without it is no longer open
 * (services/device.ts counts from it); and `cls`, set by end(): the socket closes at the first
 * poll that finds nothing left to send and nothing received. The simulator models all three.
 */
import type { Socket } from "./types.ts";

/**
 * A socket with the properties Espruino keeps on it. Set to true, `clsNow` makes Espruino close
 * the socket at its next poll, its unsent bytes dropped: end() only marks it to close once
 * everything is sent and a poll has received nothing, which a peer that sends without reading
 * never allows.
 */
export type EspruinoSocket = Socket & { sckt?: number; dSnd?: string; clsNow?: boolean; cls?: boolean };

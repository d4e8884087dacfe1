/*
 * The 16-byte binary telemetry frame of the UDP push (docs/PROTOCOL.md, "UDP push"), little-endian,
 * as a byte string (what Espruino's sockets send): 0xA5, version 1, seq u16, uptime-ms u32, a0 u16,
 * free u16, led u8, flags u8 (bit 0 Wi-Fi up, bit 1 low memory), then the u16 sum of bytes 0..13.
 * seq and ms are taken modulo 2^16 and 2^32; a0 and free are clamped into u16 by the caller's
 * contract (a0 0..1023, free < 65536). The decoder checks length, magic, version and sum.
 */
import type { Sample } from "./sample.ts";

export const FRAME_SIZE = 16;
export const FRAME_MAGIC = 0xa5;
export const FRAME_VERSION = 1;
export const FLAG_WIFI_UP = 1;
export const FLAG_LOW_MEMORY = 2;

export interface DecodedFrame {
  sample: Sample;
  flags: number;
}

/**
 * The frame as one String.fromCharCode of its 16 bytes, the sum added up from the values (the two
 * bytes of a u16 are its low and high byte) rather than read back from the string: on Espruino,
 * which runs from source, a loop over the bytes or a helper per field is lexed again each time.
 */
export function encodeFrame(s: Sample, flags: number): string {
  const seq = s.seq & 65535;
  const ms = s.ms % 4294967296;
  const lo = ms % 65536;
  const hi = Math.floor(ms / 65536);
  const a0 = s.a0 & 65535;
  const free = s.free & 65535;
  const led = s.led & 255;
  const f = flags & 255;
  const sum = FRAME_MAGIC + FRAME_VERSION + (seq & 255) + (seq >> 8) + (lo & 255) + (lo >> 8) + (hi & 255) + (hi >> 8) + (a0 & 255) + (a0 >> 8) + (free & 255) + (free >> 8) + led + f;
  return String.fromCharCode(FRAME_MAGIC, FRAME_VERSION, seq & 255, seq >> 8, lo & 255, lo >> 8, hi & 255, hi >> 8, a0 & 255, a0 >> 8, free & 255, free >> 8, led, f, sum & 255, sum >> 8);
}

/** The frame's sample and flags, or an error code: ELEN, EMAGIC, EVERSION, ESUM. */
export function decodeFrame(f: string): DecodedFrame | string {
  if (f.length !== FRAME_SIZE) return "ELEN";
  const b = (i: number): number => f.charCodeAt(i) & 255;
  const w = (i: number): number => b(i) | (b(i + 1) << 8);
  if (b(0) !== FRAME_MAGIC) return "EMAGIC";
  if (b(1) !== FRAME_VERSION) return "EVERSION";
  let sum = 0;
  for (let i = 0; i < 14; i++) sum += b(i);
  if ((sum & 65535) !== w(14)) return "ESUM";
  return { sample: { seq: w(2), ms: w(4) + w(6) * 65536, a0: w(8), free: w(10), led: b(12) }, flags: b(13) };
}

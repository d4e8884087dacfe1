/*
 * The binary telemetry frame of the UDP push (docs/PROTOCOL.md, "UDP push"), decoded independently
 * of the firmware's own codec so that the harness checks the device rather than trusting its code.
 * 16 bytes, little-endian: 0xA5, version 1, seq u16, uptime-ms u32, a0 u16, free-vars u16, led u8,
 * flags u8 (bit 0 Wi-Fi up, bit 1 low memory), u16 sum of bytes 0..13.
 */

export const FRAME_BYTES = 16;
export const FRAME_MAGIC = 0xa5;
export const FRAME_VERSION = 1;

export interface Frame {
  seq: number;
  ms: number;
  a0: number;
  free: number;
  led: number;
  flags: number;
  wifiUp: boolean;
  lowMemory: boolean;
  sum: number;
}

export type FrameError = "ELEN" | "EMAGIC" | "EVERSION" | "ESUM" | "ERANGE";

export type FrameResult = { ok: true; frame: Frame } | { ok: false; error: FrameError; detail: string };

/** Sum of bytes 0..13, modulo 65536. */
export function frameSum(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < 14; i++) s += b[i];
  return s & 0xffff;
}

/** Decodes and validates one datagram; every field is checked against docs/PROTOCOL.md. */
export function decodeFrame(b: Uint8Array): FrameResult {
  if (b.length !== FRAME_BYTES) return { ok: false, error: "ELEN", detail: `${b.length} bytes, want ${FRAME_BYTES}` };
  if (b[0] !== FRAME_MAGIC) return { ok: false, error: "EMAGIC", detail: `first byte 0x${b[0].toString(16)}, want 0xa5` };
  if (b[1] !== FRAME_VERSION) return { ok: false, error: "EVERSION", detail: `version ${b[1]}, want 1` };
  const u16 = (i: number): number => b[i] | (b[i + 1] << 8);
  const sum = u16(14);
  const want = frameSum(b);
  if (sum !== want) return { ok: false, error: "ESUM", detail: `sum 0x${sum.toString(16)}, bytes 0..13 add up to 0x${want.toString(16)}` };
  const frame: Frame = {
    seq: u16(2),
    ms: (b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24)) >>> 0,
    a0: u16(8),
    free: u16(10),
    led: b[12],
    flags: b[13],
    wifiUp: (b[13] & 1) !== 0,
    lowMemory: (b[13] & 2) !== 0,
    sum,
  };
  if (frame.a0 > 1023) return { ok: false, error: "ERANGE", detail: `a0 ${frame.a0} over 1023` };
  if (frame.led > 1) return { ok: false, error: "ERANGE", detail: `led ${frame.led}, want 0 or 1` };
  if ((frame.flags & ~3) !== 0) return { ok: false, error: "ERANGE", detail: `flags 0x${frame.flags.toString(16)} use undefined bits` };
  return { ok: true, frame };
}

/** Builds a frame (for the harness's own tests and fakes); fields are truncated to their widths. */
export function encodeFrame(f: { seq: number; ms: number; a0: number; free: number; led: number; flags: number }): Uint8Array {
  const b = new Uint8Array(FRAME_BYTES);
  b[0] = FRAME_MAGIC;
  b[1] = FRAME_VERSION;
  b[2] = f.seq & 0xff;
  b[3] = (f.seq >> 8) & 0xff;
  const ms = f.ms >>> 0;
  b[4] = ms & 0xff;
  b[5] = (ms >>> 8) & 0xff;
  b[6] = (ms >>> 16) & 0xff;
  b[7] = (ms >>> 24) & 0xff;
  b[8] = f.a0 & 0xff;
  b[9] = (f.a0 >> 8) & 0xff;
  b[10] = f.free & 0xff;
  b[11] = (f.free >> 8) & 0xff;
  b[12] = f.led & 0xff;
  b[13] = f.flags & 0xff;
  const s = frameSum(b);
  b[14] = s & 0xff;
  b[15] = s >> 8;
  return b;
}

/** Unwraps 16-bit sequence numbers into a running count: each call gives the full seq. */
export function createSeqUnwrapper(): (seq16: number) => number {
  let last = -1;
  return (seq16: number): number => {
    if (last < 0) {
      last = seq16;
      return last;
    }
    let delta = (seq16 - (last & 0xffff)) & 0xffff;
    if (delta > 0x8000) delta -= 0x10000;
    last += delta;
    return last;
  };
}

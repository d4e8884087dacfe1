/*
 * The ring of the last samples, as plain data and functions (no class: on Espruino every method
 * is RAM for as long as its module lives, and the ring lives as long as the device). One
 * Uint32Array (each typed array has its own overhead) holds two words per sample: the uptime in
 * ms (wraps after 49.7 days), then a0 in bits 0-9, the LED in bit 15 and free variables in bits
 * 16-31 (at most 65535). seq is not stored per sample: samples are numbered consecutively from 1,
 * so each follows from the newest one's number. 60 samples hold 480 bytes.
 */
import type { Sample } from "./sample.ts";

export interface Ring {
  /** Two words per sample (above). */
  rd_: Uint32Array;
  /** The newest sample's number; 0 before the first. */
  seq_: number;
}

export function createRing(capacity: number): Ring {
  return { rd_: new Uint32Array(2 * capacity), seq_: 0 };
}

/** Stores a sample, overwriting the oldest when full; returns its seq (1, 2, ...). */
export function ringPush(r: Ring, ms: number, a0: number, free: number, led: number): number {
  const d = r.rd_;
  const i = (r.seq_ % (d.length / 2)) * 2;
  d[i] = ms;
  d[i + 1] = (a0 & 0x3ff) | (led ? 0x8000 : 0) | ((free > 0xffff ? 0xffff : free) << 16);
  return ++r.seq_;
}

/** Number of samples held (0 to the capacity). */
export function ringSize(r: Ring): number {
  return Math.min(r.seq_, r.rd_.length / 2);
}

/** The sample `age` places back from the newest (0: the newest), or null. */
export function ringGet(r: Ring, age: number): Sample | null {
  if (age < 0 || age >= ringSize(r)) return null;
  const d = r.rd_;
  const i = ((r.seq_ - 1 - age) % (d.length / 2)) * 2;
  const w = d[i + 1];
  return { seq: r.seq_ - age, ms: d[i], a0: w & 0x3ff, free: w >>> 16, led: (w >> 15) & 1 };
}

/**
 * The sample numbered `seq` as the JSON row `[seq,ms,a0,free,led]`, or "" when the ring does not
 * hold it (not taken yet, or overwritten). Made here, where the words' layout is known, with no
 * object per sample: /api/samples gives 60 of them per answer.
 */
export function ringJson(r: Ring, seq: number): string {
  const d = r.rd_;
  const cap = d.length / 2;
  if (seq < 1 || seq > r.seq_ || seq <= r.seq_ - cap) return "";
  const i = ((seq - 1) % cap) * 2;
  const w = d[i + 1];
  return "[" + seq + "," + d[i] + "," + (w & 0x3ff) + "," + (w >>> 16) + "," + ((w >> 15) & 1) + "]";
}

/*
 * The ring of the last samples, as plain data and functions (no class: on Espruino every method
 * is RAM for as long as its module lives, and the ring lives as long as the device). Uptime is a
 * Uint32Array (wraps after 49.7 days), a0 and the LED share a Uint16Array (a0 in the low 10
 * bits, the LED in bit 15), free variables a Uint16Array. seq is not stored per sample: samples
 * are numbered consecutively from 1, so each follows from the newest one's number. 60 samples
 * hold 480 bytes of typed-array data.
 */
import type { Sample } from "./sample.ts";

export interface Ring {
  ms_: Uint32Array;
  a0_: Uint16Array;
  fr_: Uint16Array;
  /** The newest sample's number; 0 before the first. */
  seq_: number;
}

export function createRing(capacity: number): Ring {
  return { ms_: new Uint32Array(capacity), a0_: new Uint16Array(capacity), fr_: new Uint16Array(capacity), seq_: 0 };
}

/** Stores a sample, overwriting the oldest when full; returns its seq (1, 2, ...). */
export function ringPush(r: Ring, ms: number, a0: number, free: number, led: number): number {
  const i = r.seq_ % r.ms_.length;
  r.ms_[i] = ms;
  r.a0_[i] = (a0 & 0x3ff) | (led ? 0x8000 : 0);
  r.fr_[i] = free;
  return ++r.seq_;
}

/** Number of samples held (0 to the capacity). */
export function ringSize(r: Ring): number {
  return Math.min(r.seq_, r.ms_.length);
}

/** The sample `age` places back from the newest (0: the newest), or null. */
export function ringGet(r: Ring, age: number): Sample | null {
  if (age < 0 || age >= ringSize(r)) return null;
  const i = (r.seq_ - 1 - age) % r.ms_.length;
  const a = r.a0_[i];
  return { seq: r.seq_ - age, ms: r.ms_[i], a0: a & 0x3ff, free: r.fr_[i], led: a >> 15 };
}

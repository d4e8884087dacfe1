/*
 * The sample record shared by the codecs and the ring (docs/PROTOCOL.md, "Samples"): seq numbers
 * a stream's samples from 1, ms is uptime in ms, a0 is 0..1023, free is free variables, led is 0 or 1.
 */
export interface Sample {
  seq: number;
  ms: number;
  a0: number;
  free: number;
  led: number;
}

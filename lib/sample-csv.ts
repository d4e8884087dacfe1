/*
 * The CSV sample line `<seq>,<uptime-ms>,<a0>,<free-vars>,<led>` (docs/PROTOCOL.md, "Samples") and
 * its decoder. The encoder writes integers only; the decoder is strict (five unsigned decimal
 * fields, led 0 or 1, a0 0..1023) and returns null for anything else, so a host can check a stream
 * line by line.
 */
import { parseDecimal } from "./decimal.ts";
import type { Sample } from "./sample.ts";

/** The header line a stream starts with. */
export const CSV_HEADER = "#seq,ms,a0,free,led";

export function encodeSampleCsv(s: Sample): string {
  return s.seq + "," + s.ms + "," + s.a0 + "," + s.free + "," + s.led;
}

export function decodeSampleCsv(line: string): Sample | null {
  const f = line.split(",");
  if (f.length !== 5) return null;
  const v: number[] = [];
  for (let i = 0; i < 5; i++) {
    const x = parseDecimal(f[i], 12);
    if (x < 0) return null;
    v.push(x);
  }
  if (v[2] > 1023 || v[4] > 1) return null;
  return { seq: v[0], ms: v[1], a0: v[2], free: v[3], led: v[4] };
}

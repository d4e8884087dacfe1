/*
 * Strict decimal and address parsing without RegExp: digits only, no sign, no spaces, no
 * leading zeros (an ambiguous "010" is refused), bounded length. Each parser returns -1 for
 * bad input, so callers map it to their own error code.
 */

/** A non-negative integer written with 1..`maxDigits` decimal digits, no leading zero; -1 otherwise. */
export function parseDecimal(s: string, maxDigits: number): number {
  const n = s.length;
  if (n === 0 || n > maxDigits) return -1;
  if (n > 1 && s.charCodeAt(0) === 48) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** An integer in lo..hi, or -1. */
export function parseRange(s: string, lo: number, hi: number): number {
  const v = parseDecimal(s, 10);
  return v < lo || v > hi ? -1 : v;
}

/** A port 1..65535, or -1. */
export function parsePort(s: string): number {
  return parseRange(s, 1, 65535);
}

/** True for a dotted-quad IPv4 address: four decimal parts 0..255, no leading zeros. */
export function isIpv4(s: string): boolean {
  if (s.length < 7 || s.length > 15) return false;
  const parts = s.split(".");
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    if (parseRange(parts[i], 0, 255) < 0) return false;
  }
  return true;
}

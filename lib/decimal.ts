/*
 * Strict decimal and address parsing: digits only, no sign, no spaces, no leading zeros (an
 * ambiguous "010" is refused), bounded length. Each parser returns -1 for bad input, so callers
 * map it to their own error code. The digit check is one native RegExp test, not a loop: on
 * Espruino every pass of a loop lexes its body again.
 */

/** A non-negative integer written with 1..`maxDigits` decimal digits, no leading zero; -1 otherwise. */
export function parseDecimal(s: string, maxDigits: number): number {
  const n = s.length;
  if (n === 0 || n > maxDigits) return -1;
  if ((n > 1 && s.charCodeAt(0) === 48) || /[^0-9]/.test(s)) return -1;
  return parseInt(s, 10);
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

/*
 * `s.indexOf(sub, from)` as JavaScript means it. Espruino 2v29's String.indexOf (src/jswrap_string.c,
 * since its faster search of 2026-01) also reports a match where the end of `s` is only the
 * beginning of `sub`: `"abc ".indexOf(" zz")` is 3 there, and `'"x"'.indexOf('"abc"')` is 2. A
 * real match always ends inside `s`, so a match that runs past the end is none. Needed wherever
 * `sub` has more than one character; the simulator has the same quirk, so tests show it.
 */
export function find(s: string, sub: string, from?: number): number {
  const i = s.indexOf(sub, from);
  return i >= 0 && i + sub.length <= s.length ? i : -1;
}

/*
 * The optional control token (docs/PROTOCOL.md, "Control token"). Read from Storage once at boot
 * (platform/token-store.ts, by app.ts) and kept only here; tokenMatches() compares every byte whatever the
 * first mismatch, and nothing here ever logs or returns it.
 */
/** The token, or null when none is provisioned (then nothing needs one). */
let token: string | null = null;

/** Sets the token (app.ts, at boot, from platform/token-store.ts); null or "": none. */
export function useToken(t: string | null): void {
  token = t !== null && t.length > 0 ? t : null;
}

export function tokenRequired(): boolean {
  return token !== null;
}

/** True when `given` is the token (always, when none is set). */
export function tokenMatches(given: string): boolean {
  const t = token;
  if (t === null) return true;
  let diff = t.length ^ given.length;
  for (let i = 0; i < t.length; i++) diff |= t.charCodeAt(i) ^ given.charCodeAt(i % (given.length || 1));
  return diff === 0;
}

/*
 * The optional control token, provisioned into Storage by deploy (file `token`, see
 * docs/PROTOCOL.md) and never in the bundle. Read once at boot; null when absent or empty.
 * Surrounding white space (a trailing newline from a file) is dropped.
 */
export const TOKEN_FILE = "token";

export function readToken(): string | null {
  try {
    const t = require("Storage").read(TOKEN_FILE);
    if (t === undefined) return null;
    const s = String(t).trim();
    return s.length > 0 ? s : null;
  } catch (e) {
    return null;
  }
}

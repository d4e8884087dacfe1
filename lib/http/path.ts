/*
 * Request-target path decoding and normalisation, for the router only (the server has no file
 * system: a path is matched, never opened). Percent-escapes are decoded; `%00`, a bad escape
 * (`%zz`, `%4`), a control character, a space or a raw byte over 126 make the path invalid, and
 * so does any `..` segment (raw or escaped), rather than being resolved. `.` and empty segments
 * are dropped and a trailing slash removed: `//about/./` is `/about`. Works on byte strings of
 * at most one request line (512 bytes); returns null when invalid (the caller answers 400).
 * A target in absolute form (`http://host/path`) gives its path.
 */

/** The value of one hex digit's char code, or -1. */
export function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Decodes `%XX` escapes (and `+` as a space when `plus`); null on a bad escape, `%00` or a control character. */
export function percentDecode(s: string, plus: boolean): string | null {
  if (s.indexOf("%") < 0 && !(plus && s.indexOf("+") >= 0)) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c === 37) {
      const h = hexValue(s.charCodeAt(i + 1));
      const l = hexValue(s.charCodeAt(i + 2));
      if (h < 0 || l < 0) return null;
      c = h * 16 + l;
      if (c === 0) return null;
      i += 2;
    } else if (c === 43 && plus) c = 32;
    out += String.fromCharCode(c);
  }
  return out;
}

/**
 * The normalised, decoded path of a raw request target without its query, or null when it is
 * invalid. The absolute form (`http://host/path`, a request to a proxy) names this server: its
 * path is what counts.
 */
export function normalizePath(raw: string): string | null {
  if (raw.charCodeAt(0) !== 47) {
    if (raw.substring(0, 7).toLowerCase() !== "http://") return null;
    const slash = raw.indexOf("/", 7);
    raw = slash < 0 ? "/" : raw.substring(slash);
  }
  // The usual path needs nothing done: printable ASCII, no escape, no empty, `.` or `..` segment,
  // no trailing slash. One native test instead of a loop over its characters.
  if (!/[^!-~]/.test(raw) && raw.indexOf("%") < 0 && raw.indexOf("//") < 0 && raw.indexOf("/.") < 0 && (raw.length === 1 || raw.charCodeAt(raw.length - 1) !== 47)) return raw;
  let out = "";
  let seg = "";
  for (let i = 0; i <= raw.length; i++) {
    let c = i < raw.length ? raw.charCodeAt(i) : 47;
    if (c === 37) {
      const h = hexValue(raw.charCodeAt(i + 1));
      const l = hexValue(raw.charCodeAt(i + 2));
      if (h < 0 || l < 0) return null;
      c = h * 16 + l;
      i += 2;
      if (c < 32 || c === 127) return null;
    } else if (c <= 32 || c >= 127) return null;
    if (c === 47) {
      if (seg === "..") return null;
      if (seg !== "" && seg !== ".") out += "/" + seg;
      seg = "";
    } else seg += String.fromCharCode(c);
  }
  return out === "" ? "/" : out;
}

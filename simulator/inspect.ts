/*
 * How Espruino prints values: the REPL's `=value` (jsfPrintJSON with JSON_SOME_NEWLINES,
 * JSON_PRETTY and JSON_DROP_QUOTES: numbers stay on one line, strings and objects get a line
 * each, names that are identifiers lose their quotes), the compact JSON that Storage.writeJSON
 * writes (unquoted identifier keys), and a tolerant reader for that JSON. An approximation of
 * Espruino's printer, close enough for people and for the espruino CLI, which only parses what
 * the firmware prints with JSON.stringify.
 */

const ID_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A string literal as Espruino prints it: double quotes, `\xHH` for bytes outside printable ASCII. */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 32 || c >= 127) out += "\\x" + (c & 0xff).toString(16).toUpperCase().padStart(2, "0");
    else out += ch;
  }
  return out + '"';
}

function needsNewLine(v: unknown): boolean {
  return !(v === undefined || v === null || typeof v === "number" || typeof v === "boolean");
}

function isTypedArray(v: unknown): v is { length: number; [i: number]: number } {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function typeName(v: object): string {
  const c = (v as { constructor?: { name?: string } }).constructor;
  return c && typeof c.name === "string" ? c.name : "Object";
}

function printInner(v: unknown, indent: number, seen: Set<unknown>): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return quote(v);
  if (typeof v === "function") return "function () { ... }";
  if (typeof v !== "object") return String(v);
  if (seen.has(v)) return " ... ";
  seen.add(v);
  try {
    const pad = (n: number): string => "\n" + "  ".repeat(n);
    if (isTypedArray(v)) {
      const items: string[] = [];
      for (let i = 0; i < v.length; i++) items.push(String(v[i]));
      return `new ${typeName(v)}([${items.join(", ")}])`;
    }
    const isArr = Array.isArray(v);
    const keys: string[] = [];
    if (isArr) for (let i = 0; i < (v as unknown[]).length; i++) keys.push(String(i));
    else keys.push(...Object.keys(v));
    if (keys.length === 0) return isArr ? "[ ]" : "{ }";
    let out = isArr ? "[ " : "{ ";
    let needNewLine = false;
    let sinceNewLine = 0;
    let first = true;
    for (const k of keys) {
      const item = (v as Record<string, unknown>)[k];
      sinceNewLine++;
      if (!first) out += ", ";
      const newNeeds = needsNewLine(item);
      if (!isArr && sinceNewLine > 4) needNewLine = true;
      if (needNewLine || newNeeds) {
        out += pad(indent + 1);
        needNewLine = false;
        sinceNewLine = 0;
      }
      if (!isArr) out += (ID_RE.test(k) || /^[0-9]+$/.test(k) ? k : quote(k)) + ": ";
      out += printInner(item, indent + 1, seen);
      first = false;
      needNewLine = newNeeds;
    }
    if (needNewLine) out += pad(indent);
    return out + (isArr ? " ]" : " }");
  } finally {
    seen.delete(v);
  }
}

/** The text after `=` that the REPL prints for a value. */
export function replPrint(v: unknown): string {
  return printInner(v, 0, new Set());
}

/** Espruino's compact JSON (Storage.writeJSON): identifier keys unquoted, no spaces. */
export function espruinoJSON(v: unknown): string {
  if (v === null || v === undefined || typeof v === "function") return "null";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "null";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (isTypedArray(v)) return "[" + Array.prototype.slice.call(v).join(",") + "]";
  if (Array.isArray(v)) return "[" + v.map((x) => espruinoJSON(x)).join(",") + "]";
  const parts: string[] = [];
  for (const k of Object.keys(v as object)) {
    const item = (v as Record<string, unknown>)[k];
    if (item === undefined || typeof item === "function") continue;
    parts.push((ID_RE.test(k) ? k : JSON.stringify(k)) + ":" + espruinoJSON(item));
  }
  return "{" + parts.join(",") + "}";
}

/** Turns Espruino's JSON (unquoted keys, single-quoted strings) into standard JSON text. */
export function toStandardJSON(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      let s = "";
      while (j < text.length && text[j] !== ch) {
        if (text[j] === "\\") {
          const n = text[j + 1];
          if (n === "x") {
            s += String.fromCharCode(parseInt(text.substr(j + 2, 2), 16));
            j += 4;
            continue;
          }
          if (n === "'") { s += "'"; j += 2; continue; }
          s += JSON.parse('"' + text.substr(j, n === "u" ? 6 : 2) + '"');
          j += n === "u" ? 6 : 2;
          continue;
        }
        s += text[j++];
      }
      out += JSON.stringify(s);
      i = j + 1;
    } else if (/[A-Za-z_$]/.test(ch)) {
      let j = i;
      while (j < text.length && /[A-Za-z0-9_$]/.test(text[j])) j++;
      const word = text.slice(i, j);
      let k = j;
      while (k < text.length && /\s/.test(text[k])) k++;
      if (text[k] === ":") out += JSON.stringify(word);
      else out += word === "undefined" ? "null" : word;
      i = j;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

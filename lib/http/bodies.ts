/*
 * Parsers of the two request bodies the server takes (each at most 512 bytes, MAX_BODY):
 * the /api/led body (`on`, `off`, `toggle`, or `{"led":0|1}`; case and surrounding white space
 * do not matter) and an application/x-www-form-urlencoded form (the /setup form), keeping only
 * the fields asked for. Both return null for a bad body (the caller answers 400).
 */
import { percentDecode } from "./path.ts";

export const LED_OFF = 0;
export const LED_ON = 1;
export const LED_TOGGLE = 2;

/** LED_ON, LED_OFF or LED_TOGGLE, or -1 for a bad body. */
export function parseLedBody(body: string): number {
  const s = body.replace(/[ \t\r\n]/g, "").toLowerCase();
  if (s === "on" || s === '{"led":1}' || s === '{"led":true}') return LED_ON;
  if (s === "off" || s === '{"led":0}' || s === '{"led":false}') return LED_OFF;
  if (s === "toggle") return LED_TOGGLE;
  return -1;
}

export interface FormFields {
  [name: string]: string;
}

/**
 * The fields named in `names` of a urlencoded body (a field sent twice keeps its last value;
 * other fields are ignored), or null when an escape is bad (`%zz`, `%00`).
 */
export function parseForm(body: string, names: string[]): FormFields | null {
  const out: FormFields = {};
  const parts = body.split("&");
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === "") continue;
    const eq = parts[i].indexOf("=");
    const name = percentDecode(eq < 0 ? parts[i] : parts[i].substring(0, eq), true);
    const value = percentDecode(eq < 0 ? "" : parts[i].substring(eq + 1), true);
    if (name === null || value === null) return null;
    if (names.indexOf(name) >= 0) out[name] = value;
  }
  return out;
}

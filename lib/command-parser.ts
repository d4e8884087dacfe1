/*
 * The line protocol's command parser (SPEC.md, "Line protocol"): one framed line in, one
 * command or one error code out. Keywords are case-insensitive; words are separated by spaces
 * or tabs. Arguments are parsed strictly and never clamped: a missing, malformed, extra or
 * out-of-range argument is EARG, an unknown keyword EUNKNOWN. An empty line gives null.
 */
import { isIpv4, parsePort, parseRange } from "./decimal.ts";
import { parseHttpUrl } from "./http-url.ts";
import type { HttpUrl } from "./http-url.ts";

/** Rates of STREAM and UDP, in ms (SPEC.md). */
export const RATE_MIN = 50;
export const RATE_MAX = 60000;
export const RATE_DEFAULT = 1000;

export type Command =
  | { cmd: "HELP" | "STATUS" | "READ" | "STOP" | "QUIT" | "UDPOFF" }
  | { cmd: "LED"; mode: "ON" | "OFF" | "TOGGLE" }
  | { cmd: "STREAM"; ms: number }
  | { cmd: "UDP"; ip: string; port: number; ms: number }
  | { cmd: "FETCH"; url: HttpUrl }
  | { cmd: "AUTH"; token: string }
  | { cmd: "ERR"; code: "EUNKNOWN" | "EARG"; msg: string };

/** Splits on runs of spaces and tabs. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i <= line.length; i++) {
    const c = i < line.length ? line.charCodeAt(i) : 32;
    if (c === 32 || c === 9) {
      if (start >= 0) words.push(line.substring(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  return words;
}

function earg(msg: string): Command {
  return { cmd: "ERR", code: "EARG", msg: msg };
}

function rate(w: string | undefined): number {
  return w === undefined ? RATE_DEFAULT : parseRange(w, RATE_MIN, RATE_MAX);
}

export function parseCommand(line: string): Command | null {
  const w = splitWords(line);
  if (w.length === 0) return null;
  const kw = w[0].toUpperCase();
  const n = w.length;
  if (kw === "HELP" || kw === "STATUS" || kw === "READ" || kw === "STOP" || kw === "QUIT") {
    return n === 1 ? { cmd: kw } : earg(kw + " takes no argument");
  }
  if (kw === "LED") {
    const m = n === 2 ? w[1].toUpperCase() : "";
    if (m === "ON" || m === "OFF" || m === "TOGGLE") return { cmd: "LED", mode: m };
    return earg("LED ON|OFF|TOGGLE");
  }
  if (kw === "STREAM") {
    const ms = n <= 2 ? rate(w[1]) : -1;
    return ms < 0 ? earg("STREAM [ms], ms 50..60000") : { cmd: "STREAM", ms: ms };
  }
  if (kw === "UDP") {
    if (n === 2 && w[1].toUpperCase() === "OFF") return { cmd: "UDPOFF" };
    if (n < 3 || n > 4 || !isIpv4(w[1])) return earg("UDP <ipv4> <port> [ms] | UDP OFF");
    const port = parsePort(w[2]);
    const ms = rate(w[3]);
    if (port < 0 || ms < 0) return earg("UDP <ipv4> <port 1..65535> [ms 50..60000]");
    return { cmd: "UDP", ip: w[1], port: port, ms: ms };
  }
  if (kw === "FETCH") {
    const url = n === 2 ? parseHttpUrl(w[1]) : null;
    return url ? { cmd: "FETCH", url: url } : earg("FETCH http://host[:port]/path");
  }
  if (kw === "AUTH") {
    return n === 2 ? { cmd: "AUTH", token: w[1] } : earg("AUTH <token>");
  }
  return { cmd: "ERR", code: "EUNKNOWN", msg: "try HELP" };
}

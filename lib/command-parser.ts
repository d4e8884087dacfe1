/*
 * The pieces of the line protocol's grammar (docs/PROTOCOL.md, "Line protocol") that its commands share:
 * a line's words, a rate argument, and the answers to bad arguments. Keywords are
 * case-insensitive; words are separated by runs of spaces or tabs. Arguments are parsed
 * strictly and never clamped: a missing, malformed, extra or out-of-range one is EARG.
 * Each command checks its own arguments (firmware/services/line.ts): one table of commands,
 * so a line lexes only the command it names.
 */
import { parseRange } from "./decimal.ts";

/** Rates of STREAM and UDP, in ms (docs/PROTOCOL.md, "Line protocol"). */
export const RATE_MIN = 50;
export const RATE_MAX = 60000;
export const RATE_DEFAULT = 1000;

/**
 * The words of a line, split on runs of spaces and tabs ([] for a blank line). The device's line
 * handler (firmware/services/line.ts) takes a line of one word without calling it.
 */
export function splitWords(line: string): string[] {
  const parts = line.split(/[ \t]/);
  const words: string[] = [];
  for (let i = 0; i < parts.length; i++) if (parts[i] !== "") words.push(parts[i]);
  return words;
}

/** A rate word (ms) in RATE_MIN..RATE_MAX, RATE_DEFAULT when absent, or -1. */
export function parseRate(w: string | undefined): number {
  return w === undefined ? RATE_DEFAULT : parseRange(w, RATE_MIN, RATE_MAX);
}

/*
 * Templates of pages rendered on the device: a template text has `{{name}}` slots (names of 1..24
 * letters, digits or `_`); `{{` that does not open a valid slot is literal text.
 *
 * The build finds the slots once (slotTable(), with templateScan() over the whole text) and
 * writes the table beside the template (Storage `<template>.t`). The device never searches the
 * template: it takes the answer's length from the table and its values, and reads the literal
 * text between the slots by offset, a piece of at most TEMPLATE_PIECE bytes at a time
 * (firmware/lazy/web-stream.ts). Scanning on the device cost a search and a call per run and per
 * slot, twice a page (its length, then its pieces): /status 94 M instructions against 31 M.
 *
 * templateScan() also works on a window of the text read piece by piece (at least `chunk` +
 * SLOT_ROOM bytes from the caller's offset), so a text too large to hold can be scanned.
 */
import { find } from "../find.ts";

export const MAX_SLOT_NAME = 24;
/** Most bytes the device sends per piece of a template answer (literal text and values). */
export const TEMPLATE_PIECE = 512;
/** Bytes a caller reads beyond `chunk` so that a slot starting in the piece is seen whole. */
export const SLOT_ROOM = MAX_SLOT_NAME + 4;

/**
 * What `buf` (the template from the caller's offset: at least `chunk` + SLOT_ROOM bytes, or all
 * that is left when `end`) starts with: 0 when it is empty; n > 0, a literal run of n bytes (at
 * most `chunk`); n < 0, a slot of -n bytes, its name `buf.substring(2, -n - 2)`.
 */
export function templateScan(buf: string, end: boolean, chunk: number): number {
  if (buf.length === 0) return 0;
  const open = find(buf, "{{");
  if (open === 0) {
    const close = find(buf, "}}");
    if (close <= 2 || close > MAX_SLOT_NAME + 2) return 1;
    for (let i = 2; i < close; i++) {
      const c = buf.charCodeAt(i);
      if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return 1;
    }
    return -(close + 2);
  }
  // Literal text up to the next slot; a trailing `{` waits, it may open one.
  let n = open > 0 ? open : buf.length;
  if (open < 0 && !end && n > 1 && buf.charAt(n - 1) === "{") n--;
  return n > chunk ? chunk : n;
}

/** The Storage name of a template's slot table. */
export function slotTableName(template: string): string {
  return template + ".t";
}

/**
 * A template's slot table: its slots in order, each as the byte offset where it starts and its
 * name, `[offset, name, offset, name, ...]`; the text between them is literal. `bytes` is the
 * template as a byte string (UTF-8 read as latin1), so offsets are Storage's.
 */
export function slotTable(bytes: string): Array<number | string> {
  const t: Array<number | string> = [];
  for (let at = 0; at < bytes.length; ) {
    const k = templateScan(bytes.substring(at), true, bytes.length);
    if (k < 0) t.push(at, bytes.substring(at + 2, at - k - 2));
    at += k < 0 ? -k : k;
  }
  return t;
}

import { test } from "node:test";
import assert from "node:assert/strict";
import { SLOT_ROOM, templateScan } from "../../../lib/http/template.ts";

/** Renders `text` as the web server does: read from the offset, scan, give a piece, move on. */
function render(text: string, values: Record<string, string>, chunk: number): string[] {
  const out: string[] = [];
  let at = 0;
  for (;;) {
    const buf = text.substring(at, at + chunk + SLOT_ROOM);
    const k = templateScan(buf, at + buf.length >= text.length, chunk);
    if (k === 0) return out;
    at += Math.abs(k);
    out.push(k > 0 ? buf.substring(0, k) : (values[buf.substring(2, -k - 2)] ?? `?${buf.substring(2, -k - 2)}`));
  }
}

const TPL = "<p>up {{uptime}} s, free {{free}}</p>{{led}}{ {x} {{bad name}} {{}} end {";
const VALUES = { uptime: "12", free: "900", led: "on" };
const WANT = "<p>up 12 s, free 900</p>on{ {x} {{bad name}} {{}} end {";

test("slots are replaced and other braces kept", () => {
  assert.equal(render(TPL, VALUES, 64).join(""), WANT);
});

test("every chunk size renders the same page", () => {
  for (let chunk = 1; chunk <= TPL.length + 2; chunk++) assert.equal(render(TPL, VALUES, chunk).join(""), WANT, `chunk ${chunk}`);
});

test("a slot split across pieces of the template is still found", () => {
  const text = "x".repeat(10) + "{{uptime}}" + "y".repeat(10);
  for (let chunk = 1; chunk <= 30; chunk++) assert.equal(render(text, VALUES, chunk).join(""), "x".repeat(10) + "12" + "y".repeat(10), `chunk ${chunk}`);
});

test("values are given as pieces of their own, never joined with the page", () => {
  const pieces = render(TPL, VALUES, 64);
  assert.ok(pieces.includes("12"));
  assert.ok(pieces.includes("900"));
});

test("no literal piece is longer than the chunk", () => {
  const long = "x".repeat(1000) + "{{free}}" + "y".repeat(1000);
  for (const p of render(long, VALUES, 100)) assert.ok(p.length <= 100);
});

test("a name longer than 24 characters is literal text", () => {
  const name = "a".repeat(25);
  assert.equal(render(`<{{${name}}}>`, { [name]: "v" }, 8).join(""), `<{{${name}}}>`);
});

test("an empty template renders nothing", () => {
  assert.deepEqual(render("", VALUES, 16), []);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { TemplateRenderer, templateLength } from "../../../lib/http/template.ts";

function reader(text: string) {
  return (offset: number, length: number) => (offset >= text.length ? undefined : text.substring(offset, offset + length));
}

function render(text: string, values: Record<string, string>, chunk: number): string[] {
  const r = new TemplateRenderer(reader(text), (n) => values[n] ?? `?${n}`, chunk);
  const out: string[] = [];
  for (let p = r.next(); p !== null; p = r.next()) out.push(p);
  return out;
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

test("values are given as pieces of their own, never joined with the page", () => {
  const pieces = render(TPL, VALUES, 64);
  assert.ok(pieces.includes("12"));
  assert.ok(pieces.includes("900"));
});

test("no literal piece is longer than the chunk", () => {
  const long = "x".repeat(1000) + "{{free}}" + "y".repeat(1000);
  for (const p of render(long, VALUES, 100)) assert.ok(p.length <= 100);
});

test("templateLength is the rendered length", () => {
  assert.equal(templateLength(reader(TPL), (n) => (VALUES as Record<string, string>)[n] ?? `?${n}`, 7), WANT.length);
});

test("an empty template renders nothing", () => {
  assert.deepEqual(render("", VALUES, 16), []);
});

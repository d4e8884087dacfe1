import { test } from "node:test";
import assert from "node:assert/strict";
import { SLOT_ROOM, slotTable, templateScan } from "../../../lib/http/template.ts";

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

/** The page a slot table gives: the literal bytes between its slots, each slot's value. */
function fromTable(text: string, t: Array<number | string>, values: Record<string, string>): string {
  let out = "";
  let at = 0;
  for (let i = 0; i < t.length; i += 2) {
    out += text.substring(at, t[i] as number) + (values[t[i + 1] as string] ?? "");
    at = (t[i] as number) + (t[i + 1] as string).length + 4;
  }
  return out + text.substring(at);
}

test("the slot table gives each slot's offset and name, and the same page as scanning", () => {
  const text = "<p>{{a}}{{b}} x {{ nope }} {{c_1}}{{" + "n".repeat(25) + "}} {{}}{{d}}";
  const t = slotTable(text);
  assert.deepEqual(t, [3, "a", 8, "b", 27, "c_1", 68, "d"]);
  const values = { a: "1", b: "2", c_1: "3", d: "4" };
  assert.equal(fromTable(text, t, values), render(text, values, 512).join(""));
  assert.deepEqual(slotTable(""), []);
  assert.deepEqual(slotTable("no slots"), []);
});

test("slot offsets are bytes when the template is given as bytes (UTF-8 read as latin1)", () => {
  const bytes = Buffer.from("±5 °C {{t}} …{{u}}", "utf8").toString("latin1");
  const t = slotTable(bytes);
  assert.deepEqual(t, [8, "t", 17, "u"]);
  assert.equal(Buffer.from(fromTable(bytes, t, { t: "T", u: "U" }), "latin1").toString("utf8"), "±5 °C T …U");
});

/*
 * Lazy modules share the resident code (rollup.config.js, `shareResident`): built unminified, the
 * bundle has one copy of the device's state and of each resident function, and what only a lazy
 * module uses is inside that module's load().
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "acorn";
import { rollup } from "rollup";
import { loadBoard } from "../../board-configs/index.ts";
import { createRollupOptions } from "../../rollup.config.js";
import { boardModuleSource } from "../../scripts/board-module.ts";

interface Node {
  type: string;
  start: number;
  end: number;
  id?: { name: string } | null;
  declarations?: Array<{ id: { name: string } }>;
}

async function plainBundle(): Promise<string> {
  const o = createRollupOptions({ board: "linux", boardModule: boardModuleSource(loadBoard("linux"), "0.0.0-test"), minify: false });
  const b = await rollup(o.input);
  const { output } = await b.generate(o.output);
  await b.close();
  return output[0].code;
}

test("a lazy module uses the resident device and functions, and carries only what no resident code has", async () => {
  const code = await plainBundle();
  const body = (parse(code, { ecmaVersion: 2020, sourceType: "module" }) as unknown as { body: Node[] }).body;
  const top = new Map<string, Node>();
  for (const n of body) {
    if (n.type === "FunctionDeclaration" && n.id) top.set(n.id.name, n);
    if (n.type === "VariableDeclaration") for (const d of n.declarations ?? []) top.set(d.id.name, n);
  }
  // One device state and one socket list, the resident ones (a copy would be renamed dev$1 by rollup).
  assert.ok(top.has("dev") && top.has("lineSockets"));
  assert.equal((code.match(/\bconst dev\$?\d* =/g) ?? []).length, 1, "one `dev`");
  assert.equal((code.match(/\bconst lineSockets\$?\d* =/g) ?? []).length, 1, "one `lineSockets`");
  assert.equal((code.match(/\bfunction sampleCsv\$?\d*\(/g) ?? []).length, 1, "one sampleCsv");
  // lazy:line's load() is the function that holds lineStart; it uses the resident sampleCsv and carries frameLines.
  const lineLoad = [...top.values()].find((n) => n.type === "FunctionDeclaration" && /function lineStart\(/.test(code.slice(n.start, n.end)));
  assert.ok(lineLoad, "lazy:line's load() is at the top level");
  const text = code.slice(lineLoad.start, lineLoad.end);
  assert.match(text, /\bsampleCsv\(/);
  assert.doesNotMatch(text, /function sampleCsv/);
  assert.match(text, /function frameLines\(/, "the framer, used by no resident code, is the module's own");
  assert.ok(!top.has("frameLines"), "and not resident");
  // The general HTTP parser is lazy:web-parser's, and the usual request's feedUsual resident.
  assert.ok(top.has("feedUsual") && !top.has("feedAny"));
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { parse } from "acorn";
import { ESPRUINO_GLOBALS } from "../../rollup.config.js";

/** Names the bundle declares at its top level (Espruino's global scope). */
function topLevelNames(code: string): string[] {
  const ast = parse(code, { ecmaVersion: 2020 }) as unknown as { body: Array<{ type: string; id?: { name: string }; declarations?: Array<{ id: { name: string } }> }> };
  const names: string[] = [];
  for (const n of ast.body) {
    if (n.type === "FunctionDeclaration" && n.id) names.push(n.id.name);
    if (n.type === "VariableDeclaration") for (const d of n.declarations ?? []) names.push(d.id.name);
  }
  return names;
}

test("no name the bundle declares at its top level replaces one of Espruino's globals (E, load, D0, ...)", () => {
  const file = "dist/sim.js";
  assert.ok(existsSync(file), "dist/sim.js is built first (npm run build)");
  const names = topLevelNames(readFileSync(file, "utf8"));
  assert.ok(names.length > 10, "the bundle is plain top-level code");
  const clash = names.filter((n) => ESPRUINO_GLOBALS.includes(n) || n === "load" || n === "save" || n === "reset");
  assert.deepEqual(clash, []);
});

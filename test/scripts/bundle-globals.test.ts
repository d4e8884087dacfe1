import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { parse } from "acorn";
import { minify } from "terser";
import { ESPRUINO_GLOBALS, KEPT_FUNCTIONS, MAX_INLINED, noInlineLargeFunctions, ROOT_FIRST } from "../../rollup.config.js";

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

test("the bundle's first statement names Espruino's prototypes, so they head the global scope", () => {
  const code = readFileSync("dist/sim.js", "utf8");
  const first = (parse(code, { ecmaVersion: 2020 }) as unknown as { body: Array<{ start: number; end: number }> }).body[0];
  assert.equal(code.slice(first.start, first.end), ROOT_FIRST.join(",") + ";");
  assert.equal(ROOT_FIRST[0], "Object");
});

/** True when the body of the test's `big` (its repeated `3*x+1`) is in a top-level function declaration. */
function bigIsDeclared(code: string): boolean {
  const ast = parse(code, { ecmaVersion: 2020 }) as unknown as { body: Array<{ type: string; start: number; end: number }> };
  return ast.body.some((n) => n.type === "FunctionDeclaration" && /\*\w\+1/.test(code.slice(n.start, n.end)));
}

test("terser keeps a short function with a loop, called once, a function, not a function expression at its call", async () => {
  const looped = "function looped(a) { let s = 0; for (let i = 0; i < a; i++) s += i * 7; return s; }";
  const code = `${looped}\nfunction run(x) { return x > 3 ? looped(x) : 0; }\nsetInterval(function () { print(run(getTime())); }, 1000);\n`;
  const declared = (c: string) => /function \w+\(\w+\)\{let \w+=0;for/.test(c) && !/\?function\(/.test(c);
  const marked = (noInlineLargeFunctions(MAX_INLINED).renderChunk as (c: string) => { code: string })(code).code;
  const out = (await minify(marked, { ecma: 2015, toplevel: true, compress: { passes: 2 } })).code ?? "";
  assert.ok(declared(out), out);
  const unmarked = (await minify(code, { ecma: 2015, toplevel: true, compress: { passes: 2 } })).code ?? "";
  assert.ok(!declared(unmarked), unmarked);
});

test("a large function called once as a statement of the top level is not kept: it runs once, and its variables are freed", async () => {
  const big = "function big(a) { let s = 0; " + "s += a * 3 + 1; ".repeat(Math.ceil(MAX_INLINED / 16)) + "print(s); }";
  const code = `${big}\nbig(getTime());\n`;
  const marked = (noInlineLargeFunctions(MAX_INLINED).renderChunk as (c: string) => { code: string })(code).code;
  assert.ok(!marked.includes("@__NOINLINE__"), marked);
  const out = (await minify(marked, { ecma: 2015, toplevel: true, compress: { passes: 2 } })).code ?? "";
  assert.ok(!bigIsDeclared(out), out);
});

test("terser keeps a function over MAX_INLINED characters called once a function, and still inlines a small one", async () => {
  const big = "function big(a) { let s = 0; " + "s += a * 3 + 1; ".repeat(Math.ceil(MAX_INLINED / 16)) + "return s; }";
  const small = "function small(a) { return a + 1; }";
  const code = `${big}\n${small}\nfunction run(x) { return big(x) + small(x); }\nsetInterval(function () { print(run(getTime())); }, 1000);\n`;
  const marked = (noInlineLargeFunctions(MAX_INLINED).renderChunk as (c: string) => { code: string })(code).code;
  const out = (await minify(marked, { ecma: 2015, toplevel: true, compress: { passes: 2 } })).code ?? "";
  // big stays a declaration of its own (its body in it, not in a function expression); small is inlined.
  assert.ok(bigIsDeclared(out), out);
  assert.ok(!/return \w+\+1\}/.test(out), out);
  // Without the marks, terser makes big a function expression made where it is called.
  const unmarked = (await minify(code, { ecma: 2015, toplevel: true, compress: { passes: 2 } })).code ?? "";
  assert.ok(!bigIsDeclared(unmarked), unmarked);
});

test("a small function named in KEPT_FUNCTIONS stays a function, out of the text of its caller", async () => {
  assert.ok(KEPT_FUNCTIONS.includes("webParse"));
  const code = "function webParse(c, d) { const n = c + d; print(n); return n * 2; }\nfunction webData(c, d) { return c > 3 ? webParse(c, d) : 0; }\nsetInterval(function () { print(webData(getTime(), 1)); }, 1000);\n";
  const kept = (noInlineLargeFunctions(MAX_INLINED, KEPT_FUNCTIONS).renderChunk as (c: string) => { code: string })(code).code;
  const out = (await minify(kept, { ecma: 2015, toplevel: true, compress: { passes: 2 } })).code ?? "";
  assert.ok(/^function \w+\(\w+,\w+\)\{const/.test(out) && !/\?function\(/.test(out), out);
  const plain = (noInlineLargeFunctions(MAX_INLINED).renderChunk as (c: string) => { code: string })(code).code;
  const inlined = (await minify(plain, { ecma: 2015, toplevel: true, compress: { passes: 2 } })).code ?? "";
  assert.ok(/\?function\(/.test(inlined), inlined);
});

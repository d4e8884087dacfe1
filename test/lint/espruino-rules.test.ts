/*
 * The lint's Espruino rules and layer rules (eslint.config.js), through ESLint's Node API on
 * small TypeScript snippets placed (by file path only) in firmware/, lib/ and board-configs/.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ESLint } from "eslint";

const eslint = new ESLint({ cwd: process.cwd(), overrideConfigFile: "eslint.config.js" });

async function lint(code: string, filePath = "firmware/main/x.ts"): Promise<Array<{ rule: string; message: string; line: number }>> {
  const [r] = await eslint.lintText(code, { filePath });
  return r.messages.map((m) => ({ rule: m.ruleId ?? "parse", message: m.message, line: m.line }));
}

async function assertReported(code: string, rule: string, pattern: RegExp, filePath?: string): Promise<void> {
  const found = await lint(code, filePath);
  assert.ok(
    found.some((m) => m.rule === rule && pattern.test(m.message)),
    `expected ${rule} ${pattern} for ${JSON.stringify(code)} in ${filePath ?? "firmware/main/x.ts"}, got ${JSON.stringify(found)}`,
  );
}

async function assertClean(code: string, filePath?: string): Promise<void> {
  assert.deepEqual(await lint(code, filePath), []);
}

const BANNED: Array<[string, string, string, RegExp]> = [
  ["default parameters", "export function f(a: number, b = 2): number { return a + b; }\n", "no-restricted-syntax", /default values/],
  ["rest parameters", "export function f(...a: number[]): number { return a.length; }\n", "no-restricted-syntax", /rest parameters/],
  ["spread in calls", "export function f(a: number[]): number { return Math.max(...a); }\n", "no-restricted-syntax", /spread/],
  ["object spread", "export function f(o: object): object { return { ...o }; }\n", "no-restricted-syntax", /spread/],
  ["object destructuring", "export function f(o: { a: number }): number { const { a } = o; return a; }\n", "no-restricted-syntax", /destructuring/],
  ["array destructuring in a parameter", "export function f([a]: number[]): number { return a; }\n", "no-restricted-syntax", /destructuring/],
  ["computed keys", "export function f(k: string): object { return { [k]: 1 }; }\n", "no-restricted-syntax", /computed keys/],
  ["labels", "export function f(): void { outer: for (;;) { break outer; } }\n", "no-restricted-syntax", /labels/],
  ["generators", "export function* f(): Generator<number> { yield 1; }\n", "no-restricted-syntax", /generators/],
  ["async functions", "export async function f(): Promise<number> { return 1; }\n", "no-restricted-syntax", /async/],
  ["**", "export const x = 2 ** 8;\n", "no-restricted-syntax", /Math\.pow/],
  ["optional chaining", "export function f(o: { a?: { b: number } }): number | undefined { return o.a?.b; }\n", "no-restricted-syntax", /optional chaining/],
  ["logical assignment", "export function f(a: number | null): number { a ??= 1; return a; }\n", "no-restricted-syntax", /logical assignment/],
  ["class field initialisers", "export class A { items: number[] = []; }\n", "no-restricted-syntax", /class field/],
  ["#private", "export class A { #x = 1; get(): number { return this.#x; } }\n", "no-restricted-syntax", /#private/],
  ["tagged templates", "function t(s: TemplateStringsArray): string { return s[0]; }\nexport const x = t`a`;\n", "no-restricted-syntax", /tagged templates/],
  ["\\u{...} escapes", "export const s = '\\u{41}';\n", "no-restricted-syntax", /\\u\{\.\.\.\}/],
  ["super in an object-literal method", "const base = { m(): number { return 1; } };\nexport const o = { __proto__: base, m(): number { return super.m(); } };\n", "no-restricted-syntax", /super/],
  ["extending Error", "export class E extends Error { constructor(m: string) { super(m); } }\n", "no-restricted-syntax", /extend a built-in/],
  ["case after default", "export function f(x: number): number { switch (x) { default: return 0; case 1: return 1; } }\n", "no-restricted-syntax", /case after default/],
  ["new.target", "export function F(): void { if (!new.target) throw new Error('x'); }\n", "no-restricted-syntax", /new\.target/],
  ["BigInt literals", "export const n = 10n;\n", "no-restricted-syntax", /BigInt/],
  ["for-of over .keys()", "export function f(a: number[]): void { for (const k of a.keys()) k.toFixed(); }\n", "no-restricted-syntax", /iterator protocol/],
  ["reserved name of", "export function f(of: number): number { return of; }\n", "no-restricted-syntax", /reserved names/],
  ["arguments in an arrow", "export function f(): () => number { return () => arguments.length; }\n", "no-restricted-syntax", /arrow function/],
  ["characters above U+00FF", "export const s = '\\u20AC';\n", "no-restricted-syntax", /bytes/],
  ["JSON.parse with a reviver", "export const v = JSON.parse('{}', (k, x) => x);\n", "no-restricted-syntax", /reviver/],
  ["once on an emitter", "export function f(s: { once(e: string, cb: () => void): void }): void { s.once('close', () => undefined); }\n", "no-restricted-syntax", /once\/off/],
  ["Map", "export const m = new Map<string, number>();\n", "no-restricted-globals", /no Map/],
  ["Symbol", "export const s = Symbol('x');\n", "no-restricted-globals", /no Symbol/],
  ["Reflect", "export const k = Reflect.ownKeys({});\n", "no-restricted-globals", /no Reflect/],
  ["RangeError", "export const e = new RangeError('x');\n", "no-restricted-globals", /no RangeError/],
  ["Array.from", "export const a = Array.from('ab');\n", "no-restricted-properties", /Array\.from/],
  ["Object.freeze", "export const o = Object.freeze({});\n", "no-restricted-properties", /Object\.freeze/],
  ["Number.isInteger", "export const b = Number.isInteger(1);\n", "no-restricted-properties", /Number\.isInteger/],
  ["Math.trunc", "export const t = Math.trunc(1.5);\n", "no-restricted-properties", /Math\.trunc/],
  [".flat()", "export const a = [[1]].flat();\n", "no-restricted-properties", /flat/],
  [".finally()", "export function f(p: Promise<number>): void { p.finally(() => undefined); }\n", "no-restricted-properties", /finally/],
  [".trimStart()", "export const s = ' a'.trimStart();\n", "no-restricted-properties", /trimStart/],
  ["RegExp ? quantifier", "export const r = /colou?r/;\n", "espruino/regexp", /`\?` quantifier/],
  ["RegExp (?:", "export const r = /(?:ab)c/;\n", "espruino/regexp", /non-capturing/],
  ["RegExp \\b", "export const r = /\\bword/;\n", "espruino/regexp", /\\b/],
  ["RegExp {n,m}", "export const r = new RegExp('a{2,3}');\n", "espruino/regexp", /counted quantifier/],
  ["RegExp flags", "export const r = /a/m;\n", "espruino/regexp", /flag m/],
  ["a closure over a for-of const", "export function f(socks: Array<{ on(e: string, cb: () => void): void }>, log: (n: number) => void): void {\n  for (const s of socks) s.on('close', () => log(socks.indexOf(s)));\n}\n", "espruino/loop-closure", /one binding for the whole loop/],
  ["a function called before its declaration", "a();\nfunction a(): void {}\n", "@typescript-eslint/no-use-before-define", /before it was defined/],
];

for (const [what, code, rule, pattern] of BANNED) {
  test(`lint: ${what} is reported in firmware/ (${rule})`, async () => {
    await assertReported(code, rule, pattern);
  });
}

test("lint: the same bans apply in lib/", async () => {
  await assertReported("export const x = 2 ** 8;\n", "no-restricted-syntax", /Math\.pow/, "lib/x.ts");
  await assertReported("export const m = new Set<number>();\n", "no-restricted-globals", /no Set/, "lib/x.ts");
});

test("lint: firmware code written for Espruino passes", async () => {
  await assertClean(
    [
      'import type { Log } from "../platform/types.ts";',
      'import { PORT_ECHO } from "board-config";',
      "function twice(n: number): number {",
      "  return n * 2;",
      "}",
      "export class Counter {",
      "  private n_: number;",
      "  constructor() {",
      "    this.n_ = 0;",
      "  }",
      "  get value(): number {",
      "    return this.n_;",
      "  }",
      "  bump(log: Log): void {",
      "    for (const x of [1, 2]) this.n_ += twice(x);",
      "    const port = PORT_ECHO ?? 7;",
      "    log(`n=${this.n_} port=${port} ${/^[A-Z][0-9]+$/.test('A1')}`);",
      "  }",
      "}",
      "",
    ].join("\n"),
  );
});

test("lint: a forEach callback in a for loop may use the loop's variable (it runs in place)", async () => {
  await assertClean("export function f(a: number[]): number {\n  let t = 0;\n  for (let i = 0; i < 2; i++) a.forEach((x) => (t += x * i));\n  return t;\n}\n");
});

test("lint: a .d.ts file may declare rest parameters and globals", async () => {
  await assertClean("declare function print(...text: unknown[]): void;\ndeclare const E: { reboot(): void };\n", "firmware/platform/espruino.d.ts");
});

test("lint: lib/ importing firmware/ is reported", async () => {
  await assertReported('import { startApp } from "../firmware/app.ts";\nexport const f = startApp;\n', "no-restricted-imports", /lib\/ imports only lib\//, "lib/x.ts");
});

test("lint: lib/ importing node:fs (or fs) is reported", async () => {
  await assertReported('import { readFileSync } from "node:fs";\nexport const r = readFileSync;\n', "no-restricted-imports", /Node built-ins/, "lib/x.ts");
  await assertReported('import { readFileSync } from "fs";\nexport const r = readFileSync;\n', "no-restricted-imports", /Node built-ins/, "lib/codec/x.ts");
});

test("lint: lib/ importing lib/ from a subfolder is allowed", async () => {
  await assertClean('import { f } from "../util.ts";\nexport const g = f;\n', "lib/codec/x.ts");
});

test("lint: firmware/ importing scripts/ or test-host/ is reported", async () => {
  await assertReported('import { buildBoard } from "../../scripts/build.ts";\nexport const b = buildBoard;\n', "no-restricted-imports", /never scripts/, "firmware/services/x.ts");
  await assertReported('import { t } from "../test-host/target.ts";\nexport const b = t;\n', "no-restricted-imports", /never scripts/, "firmware/app.ts");
});

test("lint: firmware/ may import lib/, firmware/platform/, board-config and the board schema", async () => {
  await assertClean(
    'import { a } from "../../lib/a.ts";\nimport type { Net } from "../platform/types.ts";\nimport type { BoardConfig } from "../../board-configs/schema.ts";\nimport { PORT_ECHO } from "board-config";\nexport const x: [unknown, Net | null, BoardConfig | null, number] = [a, null, null, PORT_ECHO];\n',
    "firmware/services/x.ts",
  );
});

test("lint: firmware/platform/ importing services is reported", async () => {
  await assertReported('import type { Device } from "../services/contracts.ts";\nexport type D = Device;\n', "no-restricted-imports", /never services/, "firmware/platform/x.ts");
});

test("lint: only firmware/platform/, the services and their lazy modules call require(); a board's entry may not", async () => {
  await assertReported('export const net = require("net");\n', "no-restricted-syntax", /Only firmware\/platform\/ calls require/, "firmware/main/x.ts");
  await assertClean('export function n(): unknown {\n  return require("net");\n}\n', "firmware/lazy/x.ts");
  await assertClean('export function n(): unknown {\n  return require("net");\n}\n', "firmware/services/x.ts");
  await assertClean('export function n(): unknown {\n  return require("net");\n}\n', "firmware/platform/x.ts");
});

test("lint: firmware outside the platform and the services does not touch Espruino's globals", async () => {
  await assertReported("export const m = process.memory();\n", "no-restricted-globals", /Only firmware\/platform\//, "firmware/main/x.ts");
});

test("lint: lib/ is pure (no timers)", async () => {
  await assertReported("export const t = setTimeout(() => undefined, 1);\n", "no-restricted-globals", /lib\/ is pure/, "lib/x.ts");
});

test("lint: no npm packages or Node built-ins in firmware/", async () => {
  await assertReported('import { x } from "some-package";\nexport const y = x;\n', "no-restricted-imports", /no npm packages/, "firmware/services/x.ts");
  await assertReported('import { EventEmitter } from "events";\nexport const y = EventEmitter;\n', "no-restricted-imports", /Node built-ins/, "firmware/services/x.ts");
});

test("lint: board-configs/ does not import code outside its folder", async () => {
  await assertReported('import { x } from "../scripts/x.ts";\nexport const y = x;\n', "no-restricted-imports", /only the schema/, "board-configs/schema.ts");
});

test("lint: a lazy module may import the device (the build shares the resident copy: test/scripts/lazy-modules.test.ts)", async () => {
  await assertClean('import { dev } from "../services/device.ts";\nexport function led(): number {\n  return dev.led_;\n}\n', "firmware/lazy/x.ts");
});

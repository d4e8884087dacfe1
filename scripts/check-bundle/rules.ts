/*
 * The Espruino gate's rules, as a table: id, what it rejects, why (what Espruino really does,
 * from what Espruino 2v29 does: docs/ESPRUINO-GATE.md), and a one-line example that fails it. docs/ESPRUINO-GATE.md is
 * rendered from this table (scripts/check-bundle/docs.ts), and a test runs every example
 * through the gate, so the table, the docs and the checks cannot drift apart.
 */

import { REGEXP_RULES } from "./regexp.js";

export interface Rule {
  id: string;
  group: "syntax" | "semantics" | "regexp" | "builtins" | "hoisting" | "size";
  what: string;
  why: string;
  example: string;
}

export const RULES: Rule[] = [
  // --- syntax that Espruino's parser rejects (a SyntaxError or ReferenceError when the code runs)
  { id: "syntax-error", group: "syntax", what: "code that does not parse as JavaScript", why: "a top-level syntax error stops the rest of the file", example: "let x = ;" },
  { id: "default-params", group: "syntax", what: "default parameter values `function f(a = 1)`", why: "Espruino's parser accepts only `ID(,ID)*` as parameters: SyntaxError", example: "function f(a, b = 2) { return a + b; }" },
  { id: "rest-params", group: "syntax", what: "rest parameters `(...args)`", why: "there is no `...` token: SyntaxError", example: "function f(...args) { return args; }" },
  { id: "spread", group: "syntax", what: "spread in calls, arrays and objects `f(...a)`, `[...a]`, `{...o}`", why: "there is no `...` token: SyntaxError", example: "var a = [1, 2]; var b = [...a];" },
  { id: "destructuring", group: "syntax", what: "destructuring in declarations, parameters, assignments, for heads and catch", why: "`var {x} = o` gives ReferenceError, a pattern in parameters a SyntaxError", example: "var o = { x: 1 }; var { x } = o;" },
  { id: "computed-key", group: "syntax", what: "computed keys in object literals and classes `{[k]: v}`", why: "SyntaxError", example: "var k = 'a'; var o = { [k]: 1 };" },
  { id: "label", group: "syntax", what: "labelled statements and `break`/`continue` to a label", why: "`outer:` is read as an expression: ReferenceError \"outer\" is not defined", example: "outer: for (;;) { break outer; }" },
  { id: "generator", group: "syntax", what: "generators `function*` and `yield`", why: "SyntaxError; there is no iterator protocol", example: "function* g() { yield 1; }" },
  { id: "async-await", group: "syntax", what: "`async` functions, `await` and `for await`", why: "`async` is not a keyword: ReferenceError \"async\" is not defined", example: "async function f() { await 1; }" },
  { id: "exponent", group: "syntax", what: "the `**` and `**=` operators", why: "SyntaxError `Got '*' expected EOF`; use Math.pow", example: "var x = 2 ** 8;" },
  { id: "optional-chaining", group: "syntax", what: "optional chaining `a?.b`, `f?.()`", why: "SyntaxError `Got '.' expected EOF`", example: "var o = null; var x = o?.a;" },
  { id: "logical-assignment", group: "syntax", what: "logical assignment `??=`, `||=`, `&&=`", why: "SyntaxError", example: "var a = null; a ??= 1;" },
  { id: "class-field", group: "syntax", what: "class fields `x = 1;`, `static x = 1;`, `x;`", why: "an uninitialised field is a SyntaxError; an initialised one lives on the prototype, evaluated once and shared by every instance", example: "class A { items = []; }" },
  { id: "class-static-block", group: "syntax", what: "class static blocks `static { }`", why: "SyntaxError", example: "class A { static { A.x = 1; } }" },
  { id: "private-name", group: "syntax", what: "private names `#x`", why: "SyntaxError", example: "class A { #m() { return 1; } n() { return this.#m(); } }" },
  { id: "tagged-template", group: "syntax", what: "tagged templates (a function name right before a template literal)", why: "SyntaxError (2v22)", example: "function tag(s) { return s; } var x = tag`a${1}`;" },
  { id: "unicode-code-point-escape", group: "syntax", what: "`\\u{...}` escapes in strings, templates and regexps", why: "Error \"Invalid escape sequence\"", example: "var s = '\\u{41}';" },
  { id: "super-outside-class", group: "syntax", what: "`super` outside a class method (in object-literal methods)", why: "SyntaxError \"Calling 'super' outside of class\"", example: "var o = { m() { return super.m(); } };" },
  { id: "extends-expression", group: "syntax", what: "`extends` followed by anything but a plain identifier", why: "Espruino's parser reads only an identifier after `extends`", example: "var ns = { B: class {} }; class A extends ns.B {}" },
  { id: "extends-builtin", group: "syntax", what: "a class extending a built-in constructor (Error, Array, Promise, ...)", why: "`class E extends Error { constructor(m) { super(m) } }` gives SyntaxError \"Calling 'super' outside of class\"; super() reaches only classes and JS functions", example: "class E extends Error { constructor(m) { super(m); } }" },
  { id: "case-after-default", group: "syntax", what: "a `case` after `default` in a switch", why: "SyntaxError \"CASE after DEFAULT unsupported\"", example: "switch (1) { default: break; case 1: break; }" },
  { id: "meta-property", group: "syntax", what: "`new.target` and `import.meta`", why: "SyntaxError", example: "function F() { return new.target; }" },
  { id: "bigint", group: "syntax", what: "BigInt literals `10n`", why: "SyntaxError", example: "var n = 10n;" },
  { id: "with", group: "syntax", what: "the `with` statement", why: "ReferenceError", example: "var o = { a: 1 }; with (o) { a; }" },
  { id: "module-syntax", group: "syntax", what: "`import`, `export` and `import()`", why: "ReferenceError: the bundle must be one script (rollup's IIFE)", example: "export var x = 1;" },
  { id: "reserved-name", group: "syntax", what: "`of`, `static` or `undefined` declared as a name (variable, parameter, function, class, catch)", why: "Espruino reserves them although JavaScript allows them", example: "var of = 1;" },
  { id: "long-identifier", group: "syntax", what: "identifiers longer than 63 characters", why: "Espruino truncates identifiers to 63 characters (JSLEX_MAX_TOKEN_LENGTH), so two long names can become one", example: "var a123456789012345678901234567890123456789012345678901234567890123 = 1;" },
  // --- code that runs but does something else than in JavaScript
  { id: "for-of-iterator", group: "semantics", what: "`for...of` over `x.keys()`, `x.values()` or `x.entries()`", why: "for-of walks the values of arrays, strings, typed arrays and objects; there is no iterator protocol, and arrays have no keys/values/entries", example: "var a = [1]; for (var k of a.keys()) { k; }" },
  { id: "arrow-arguments", group: "semantics", what: "`arguments` inside an arrow function", why: "in Espruino it is not the enclosing function's arguments (it is undefined)", example: "function f() { return () => arguments[0]; }" },
  { id: "loop-closure", group: "semantics", what: "a function created in a `for` loop that uses the loop's `let`/`const` variable", why: "`let` in `for` is one binding for the whole loop: a closure that runs after its iteration sees the last value, not its own (`[3,3,3]`); move the body into a function or use forEach", example: "var fs = []; for (let i = 0; i < 3; i++) { fs.push(() => i); }" },
  { id: "wide-char", group: "semantics", what: "a character above U+00FF in a string, template or regexp", why: "ESP8266 strings are byte strings: \"\\u20AC\" becomes the single byte 0xAC", example: "var s = '\\u20AC';" },
  // --- RegExp features that silently fail (return no match) rather than throw: ./regexp.js
  ...(REGEXP_RULES as Rule[]),
  // --- built-ins Espruino does not have
  { id: "missing-global", group: "builtins", what: "globals Espruino lacks: Map, Set, WeakMap, WeakSet, Symbol, Proxy, Reflect, RangeError, setImmediate, queueMicrotask, ...", why: "ReferenceError at run time", example: "var m = new Map();" },
  { id: "missing-static", group: "builtins", what: "static members Espruino lacks: Array.from/of, Object.freeze/seal/is, Number.isInteger/isFinite/isNaN/EPSILON/MAX_SAFE_INTEGER, Math.trunc/log2/log10/hypot/cbrt, Promise.race/allSettled/any, String.raw, process.nextTick/exit", why: "undefined at run time: calling it is a TypeError, reading it gives undefined", example: "var a = Array.from('ab');" },
  { id: "missing-method", group: "builtins", what: "calls of methods no Espruino built-in has (`.flat()`, `.flatMap()`, `.at()`, `.once()`, `.off()`, `.finally()`, `.trimStart()`, `.codePointAt()`, `.localeCompare()`, `.reduceRight()`, `.findLast()`, `.toPrecision()`, zero-argument `.keys()/.values()/.entries()`, ...) when nothing in the bundle defines a property of that name; and `.lastIndexOf()` on an obvious array", why: "TypeError: not a function", example: "var a = [[1], [2]].flat();" },
  { id: "json-reviver", group: "builtins", what: "`JSON.parse` with a reviver", why: "the reviver is ignored", example: "var v = JSON.parse('1', function (k, v) { return v; });" },
  { id: "json-replacer", group: "builtins", what: "`JSON.stringify` with a replacer (other than null)", why: "the replacer is ignored", example: "var s = JSON.stringify({}, ['a']);" },
  // --- no hoisting
  { id: "use-before-declaration", group: "hoisting", what: "a function declaration called or read before its statement has run, directly or through the functions called at that point", why: "Espruino does not hoist: `function f(){}` exists only once its statement has executed; before that, f is undefined (ReferenceError)", example: "a(); function a() {}" },
  // --- size
  { id: "bundle-budget", group: "size", what: "a bundle larger than the board's byte budget", why: "the board's Storage and RAM are sized for it (board-configs/<board>.json bundleBudget)", example: "" },
];

const BY_ID = new Map<string, Rule>(RULES.map((r) => [r.id, r]));

export function ruleById(id: string): Rule {
  const r = BY_ID.get(id);
  if (!r) throw new Error(`check-bundle: unknown rule ${id}`);
  return r;
}

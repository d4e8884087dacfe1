/*
 * The gate's no-hoisting analysis (scripts/check-bundle/hoisting.ts): what runs before a
 * function declaration's statement is reported, through every way of calling it now that the
 * analysis follows; what runs later (callbacks, timers, methods called afterwards) is not.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkBundle } from "../../scripts/check-bundle/index.ts";

function uses(code: string): string[] {
  return checkBundle(code, { file: "h.js" })
    .filter((p) => p.rule === "use-before-declaration")
    .map((p) => `${p.line}:${p.column} ${p.message.split(" — ")[0]}`);
}

const REPORTED: Array<[string, string, RegExp]> = [
  ["a top-level call before the declaration", "a();\nfunction a() {}\n", /^1:1 "a" called before its declaration at 2:1/],
  ["a function read (passed as a callback) before its declaration", "var s = { on: function () {} };\ns.on('data', handler);\nfunction handler() {}\n", /^2:14 "handler" read before/],
  ["a helper called inside a function before its own later declaration", "function outer() {\n  helper();\n  function helper() {}\n}\nouter();\n", /^2:3 "helper" called .* \(reached through outer\(\) at 5:1\)/],
  ["a call in a nested function invoked before the declaration", "function outer() {\n  function inner() {\n    helper();\n  }\n  inner();\n  function helper() {}\n}\nouter();\n", /^3:5 "helper" called .*outer\(\) at 8:1 → inner\(\) at 5:3/],
  ["a call through f.call()", "function a() {\n  b();\n}\na.call(null);\nfunction b() {}\n", /^2:3 "b" called .*a\.call\(\) at 4:1/],
  ["a call through a forEach callback", "[1].forEach(function () {\n  b();\n});\nfunction b() {}\n", /^2:3 "b" called .*the \.forEach\(\) callback/],
  ["a call through a const arrow", "const go = () => b();\ngo();\nfunction b() {}\n", /^1:18 "b" called .*go\(\) at 2:1/],
  ["a call in a constructor run by new", "class C {\n  constructor() {\n    b();\n  }\n}\nnew C();\nfunction b() {}\n", /^3:5 "b" called .*new C\(\) at 6:1/],
  ["a call in a parent's constructor run by new of the child", "class P {\n  constructor() {\n    b();\n  }\n}\nclass K extends P {}\nnew K();\nfunction b() {}\n", /^3:5 "b" called .*new K\(\)/],
  ["a call in a Promise executor", "new Promise(function (resolve) {\n  b();\n  resolve();\n});\nfunction b() {}\n", /^2:3 "b" called .*the Promise executor/],
  ["a call inside a timer callback that uses a helper declared later in that callback", "setTimeout(function () {\n  b();\n  function b() {}\n}, 1);\n", /^2:3 "b" called before its declaration at 3:3/],
  ["a call in an arrow IIFE", "(() => {\n  b();\n})();\nfunction b() {}\n", /^2:3 "b" called .*an immediately-invoked function at 1:1/],
];

for (const [what, code, pattern] of REPORTED) {
  test(`no-hoisting: reports ${what}`, () => {
    const found = uses(code);
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], pattern);
  });
}

const SILENT: Array<[string, string]> = [
  ["a call after the declaration", "function a() {}\na();\n"],
  ["typeof before the declaration", "var t = typeof a;\nfunction a() {}\n"],
  ["a timer callback calling a function declared later at top level", "setTimeout(function () {\n  b();\n}, 1);\nfunction b() {}\n"],
  ["an event handler calling a function declared later", "var s = { on: function () {} };\ns.on('data', function () {\n  b();\n});\nfunction b() {}\n"],
  ["a method called after the function it uses is declared", "class C {\n  m() {\n    return b();\n  }\n}\nfunction b() {}\nnew C().m();\n"],
  ["recursion and mutual recursion", "function a(n) {\n  return n > 0 ? b(n - 1) : 0;\n}\nfunction b(n) {\n  return a(n);\n}\na(3);\n"],
  ["a function defined before a nested caller runs", "function outer() {\n  function helper() {}\n  function inner() {\n    helper();\n  }\n  inner();\n}\nouter();\n"],
  ["a local that shadows a later declaration", "function f() {\n  var a = function () {};\n  a();\n}\nf();\nfunction a() {}\n"],
];

for (const [what, code] of SILENT) {
  test(`no-hoisting: allows ${what}`, () => {
    assert.deepEqual(uses(code), []);
  });
}

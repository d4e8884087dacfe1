/*
 * The RegExp reader shared by the gate and the lint (scripts/check-bundle/regexp.js): patterns
 * Espruino's matcher handles pass; each feature it silently gets wrong is named, at its index.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkRegExp } from "../../scripts/check-bundle/regexp.js";

const SUPPORTED: Array<[string, string]> = [
  ["^[A-Z][0-9]+$", ""],
  ["\\d+\\.\\d*", "g"],
  ["[^a-z_]", "i"],
  ["^GET|^POST", ""],
  ["(a)(b)(c)(d)(e)(f)(g)(h)(i)", ""],
  ["\\/api\\/[a-z]+", ""],
  ["[\\]\\-]", ""],
  ["\\x41\\0\\n\\r\\t\\s\\S\\w\\W", ""],
  ["a{", ""],
  ["[-a]", ""],
  ["[+#\\/]", ""],
];

for (const [pattern, flags] of SUPPORTED) {
  test(`regexp: /${pattern}/${flags} is left alone (Espruino matches it)`, () => {
    assert.deepEqual(checkRegExp(pattern, flags), []);
  });
}

const UNSUPPORTED: Array<[string, string, string, number]> = [
  ["ab?", "", "regexp-optional", 2],
  ["a+?", "", "regexp-optional", 1],
  ["a{3}", "", "regexp-braces", 1],
  ["x(?:y)", "", "regexp-special-group", 1],
  ["x(?=y)", "", "regexp-special-group", 1],
  ["(?<n>x)", "", "regexp-special-group", 0],
  ["(x)\\1", "", "regexp-backreference", 3],
  ["a\\Bb", "", "regexp-word-boundary", 1],
  ["(ab){2}", "", "regexp-quantified-group", 4],
  ["(a|b)", "", "regexp-group-alternation", 2],
  ["(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", "", "regexp-too-many-groups", 27],
  ["\\p{L}", "", "regexp-escape", 0],
  ["[a.]", "", "regexp-class", 2],
  ["[a-]", "", "regexp-class", 2],
  ["a", "s", "regexp-flags", -1],
  ["\\u{41}", "", "unicode-code-point-escape", 0],
];

test("regexp: an unescaped / in a class is reported in a regex literal only (Espruino's lexer ends the literal there)", () => {
  assert.deepEqual(checkRegExp("[+#/]", "", true).map((f) => [f.rule, f.index]), [["regexp-slash-in-class", 3]]);
  assert.deepEqual(checkRegExp("[+#/]", "", false), []);
  assert.deepEqual(checkRegExp("[+#\\/]", "", true), []);
});

for (const [pattern, flags, rule, index] of UNSUPPORTED) {
  test(`regexp: /${pattern}/${flags} is reported as ${rule} at ${index}`, () => {
    assert.deepEqual(checkRegExp(pattern, flags).map((f) => [f.rule, f.index]), [[rule, index]]);
  });
}

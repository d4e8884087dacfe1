import { test } from "node:test";
import assert from "node:assert/strict";
import { hoistVars } from "../../scripts/hoist-vars.ts";

test("a var declared after its use (terser's inlining) moves to the top of its function", () => {
  const out = hoistVars("var n=1;function f(){const t=(n=7,n+1);var n;return t}");
  assert.equal(out, "var n=1;function f(){var n;const t=(n=7,n+1);;return t}");
});

test("the moved code means the same on V8: the outer variable is untouched", () => {
  const src = "var n=1;function f(){const t=(n=7,n+1);var n;return t}var r=[f(),n];";
  const before = new Function(src + "return r;")();
  const after = new Function(hoistVars(src) + "return r;")();
  assert.deepEqual(after, before);
  assert.deepEqual(after, [8, 1]);
});

test("names declared twice in one function are declared once at its top", () => {
  const out = hoistVars("function f(){a=1;var a;if(a)var b;b=2;var a;return a+b}");
  assert.equal(out, "function f(){var a,b;a=1;;if(a);b=2;;return a+b}");
});

test("vars with an initializer and for-loop vars stay where they are", () => {
  const src = "function f(){for(var i=0;i<2;i++);for(var k in {});var x=1;return x+i}";
  assert.equal(hoistVars(src), src);
});

test("a var at the script's top level moves to the script's start, and nested functions keep their own", () => {
  const out = hoistVars("y=2;var y;function g(){z=1;var z;return z}");
  assert.equal(out, "var y;y=2;;function g(){var z;z=1;;return z}");
});

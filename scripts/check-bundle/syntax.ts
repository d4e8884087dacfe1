/*
 * The gate's per-node checks: syntax Espruino's parser rejects, constructs that run differently
 * (arrow `arguments`, loop closures, wide characters), RegExp features its matcher gets wrong,
 * and built-ins it does not have. One walk over the AST with the ancestors at hand, plus the
 * scope manager to tell a global `Map` from a local one.
 *
 * Limits, by design: built-ins are found by name, so `const M = Map` is caught but
 * `globalThis["Ma" + "p"]` is not; `new RegExp(x)` is checked only when x is a string literal;
 * a method is reported missing only when no built-in has it AND nothing in the bundle defines a
 * property of that name (if the firmware defines its own `at`, calls of `.at()` are trusted);
 * `.lastIndexOf()` is reported only on an obvious array (a literal, `.split()`, `Object.keys()`).
 */
import type { Reference } from "eslint-scope";
import { type Analysis, type AstNode, child, children, forEachChild, isFunction, keyName, propertyName, within } from "./ast.ts";
import { checkRegExp } from "./regexp.js";

export type Report = (rule: string, at: number, construct: string) => void;

const MISSING_GLOBALS = new Set([
  "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "Symbol", "Proxy", "Reflect",
  "RangeError", "EvalError", "URIError", "AggregateError", "BigInt", "Intl",
  "setImmediate", "clearImmediate", "queueMicrotask", "structuredClone",
]);

const MISSING_STATICS: Record<string, string[]> = {
  Array: ["from", "of"],
  Object: ["freeze", "seal", "is"],
  Number: ["isInteger", "isFinite", "isNaN", "EPSILON", "MAX_SAFE_INTEGER"],
  Math: ["trunc", "log2", "log10", "hypot", "cbrt"],
  Promise: ["race", "allSettled", "any"],
  String: ["raw"],
  process: ["nextTick", "exit"],
};

const MISSING_METHODS = new Set([
  "flat", "flatMap", "at", "once", "off", "finally", "trimStart", "trimEnd", "codePointAt",
  "localeCompare", "reduceRight", "findLast", "findLastIndex", "toPrecision",
]);
/** Array iterators Espruino lacks; reported when called with no argument (Object.keys(o) has one). */
const ITERATOR_METHODS = new Set(["keys", "values", "entries"]);

const NATIVE_CONSTRUCTORS = new Set([
  "Error", "TypeError", "SyntaxError", "ReferenceError", "InternalError", "RangeError", "EvalError", "URIError",
  "Array", "Object", "Function", "String", "Number", "Boolean", "Promise", "RegExp", "Date", "ArrayBuffer", "DataView",
  "Uint8Array", "Int8Array", "Uint8ClampedArray", "Uint16Array", "Int16Array", "Uint24Array", "Uint32Array", "Int32Array",
  "Float32Array", "Float64Array",
]);

const RESERVED_NAMES = new Set(["of", "static", "undefined"]);

/** Methods of built-ins that call their function argument before they return. */
export const SYNC_CALLBACK_METHODS = new Set(["forEach", "map", "filter", "some", "every", "reduce", "find", "findIndex", "sort", "replace", "replaceAll"]);

/** Offset of the first `\u{` escape in a literal's raw text, or -1 (an escaped backslash does not count). */
function codePointEscape(raw: string): number {
  for (let i = 0; i < raw.length - 2; i++) {
    if (raw[i] !== "\\") continue;
    if (raw[i + 1] === "u" && raw[i + 2] === "{") return i;
    i++;
  }
  return -1;
}

function memberLabel(m: AstNode): string {
  const k = child(m, "key");
  if (k && k.type === "PrivateIdentifier") return `#${k.name as string}`;
  return keyName(m) ?? "[computed]";
}

function firstWideChar(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return i;
  return -1;
}

function isNullish(n: AstNode | undefined): boolean {
  if (!n) return true;
  if (n.type === "Literal" && n.value === null) return true;
  if (n.type === "Identifier" && n.name === "undefined") return true;
  return n.type === "UnaryExpression" && n.operator === "void";
}

/** Property names the bundle itself defines anywhere (object keys, class members, `x.p = ...`, defineProperty). */
function definedProperties(a: Analysis): Set<string> {
  const names = new Set<string>();
  const stack: AstNode[] = [a.program];
  while (stack.length > 0) {
    const n = stack.pop() as AstNode;
    if (n.type === "Property" || n.type === "MethodDefinition" || n.type === "PropertyDefinition") {
      const k = keyName(n);
      if (k !== null) names.add(k);
    } else if (n.type === "AssignmentExpression") {
      const left = child(n, "left");
      if (left && left.type === "MemberExpression") {
        const p = propertyName(left);
        if (p !== null) names.add(p);
      }
    } else if (n.type === "CallExpression") {
      const callee = child(n, "callee");
      const args = children(n, "arguments");
      if (callee && callee.type === "MemberExpression" && propertyName(callee) === "defineProperty" && args[1]?.type === "Literal") {
        names.add(String(args[1].value));
      }
    }
    forEachChild(n, (c) => stack.push(c));
  }
  return names;
}

/** The innermost function (or null at top level) containing `n`, by the parent map. */
function enclosingFunction(a: Analysis, n: AstNode): AstNode | null {
  let cur = a.parents.get(n);
  while (cur) {
    if (isFunction(cur)) return cur;
    cur = a.parents.get(cur);
  }
  return null;
}

/** True when the function `fn` runs right where it is written: an IIFE or a sync callback (`forEach`). */
export function runsInPlace(a: Analysis, fn: AstNode): boolean {
  const p = a.parents.get(fn);
  if (!p) return false;
  if ((p.type === "CallExpression" || p.type === "NewExpression") && p.callee === fn) return true;
  if (p.type === "CallExpression" && (p.arguments as unknown[]).indexOf(fn) >= 0) {
    const callee = child(p, "callee");
    if (callee && callee.type === "MemberExpression" && SYNC_CALLBACK_METHODS.has(propertyName(callee) ?? "")) return true;
  }
  return false;
}

function isArrayLike(a: Analysis, n: AstNode): boolean {
  if (n.type === "ArrayExpression") return true;
  if (n.type !== "CallExpression") return false;
  const callee = child(n, "callee");
  if (!callee || callee.type !== "MemberExpression") return false;
  const name = propertyName(callee);
  if (name === "split") return true;
  const obj = child(callee, "object");
  return !!obj && obj.type === "Identifier" && obj.name === "Object" && a.globals.has(obj) && (name === "keys" || name === "values" || name === "entries" || name === "getOwnPropertyNames");
}

export function checkSyntax(a: Analysis, code: string, report: Report): void {
  const defined = definedProperties(a);
  const longNames = new Set<string>();

  /** Checks one pattern; `patternOffset` is where a literal's pattern starts (null for a string), `flagsAt` where its flags are. */
  function regexAt(start: number, pattern: string, flags: string, patternOffset: number | null, flagsAt: number): void {
    for (const f of checkRegExp(pattern, flags, patternOffset !== null)) {
      const at = f.index < 0 ? flagsAt : patternOffset === null ? start : patternOffset + f.index;
      report(f.rule, at, `RegExp ${f.construct}`);
    }
    const w = firstWideChar(pattern);
    if (w >= 0) report("wide-char", patternOffset === null ? start : patternOffset + w, "RegExp with a character above U+00FF");
  }

  function operatorAt(after: number, op: string): number {
    const i = code.indexOf(op, after);
    return i >= 0 ? i : after;
  }

  function visit(n: AstNode, ancestors: AstNode[]): void {
    const parent = ancestors[ancestors.length - 1];
    switch (n.type) {
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression": {
        // A method's function starts at its parameters; report at the method instead.
        const at = parent && (parent.type === "Property" || parent.type === "MethodDefinition") && parent.value === n ? parent.start : n.start;
        if (n.generator) report("generator", at, "generator function*");
        if (n.async) report("async-await", at, "async function");
        for (const p of children(n, "params")) {
          if (p.type === "AssignmentPattern") report("default-params", p.start, "default parameter value");
          else if (p.type === "RestElement") report("rest-params", p.start, "rest parameter ...");
        }
        break;
      }
      case "AwaitExpression": {
        const fn = ancestors.slice().reverse().find((x) => isFunction(x));
        if (!fn || !fn.async) report("async-await", n.start, "await");
        break;
      }
      case "YieldExpression":
        break; // only inside a generator, which is reported
      case "SpreadElement":
        report("spread", n.start, "spread ...");
        break;
      case "ObjectPattern":
      case "ArrayPattern":
        if (parent.type !== "ObjectPattern" && parent.type !== "ArrayPattern" && parent.type !== "Property" && parent.type !== "AssignmentPattern" && parent.type !== "RestElement") {
          report("destructuring", n.start, n.type === "ObjectPattern" ? "destructuring {...}" : "destructuring [...]");
        }
        break;
      case "Property":
      case "MethodDefinition":
        if (n.computed && parent.type !== "ObjectPattern") report("computed-key", code.lastIndexOf("[", (child(n, "key") as AstNode).start), "computed key [...]");
        break;
      case "PropertyDefinition":
        report("class-field", n.start, `class field ${n.static ? "static " : ""}${memberLabel(n)}`);
        break;
      case "StaticBlock":
        report("class-static-block", n.start, "static block");
        break;
      case "PrivateIdentifier":
        report("private-name", n.start, `private name #${n.name as string}`);
        break;
      case "LabeledStatement":
        report("label", n.start, `label ${(child(n, "label") as AstNode).name as string}:`);
        break;
      case "BreakStatement":
      case "ContinueStatement":
        if (n.label) report("label", n.start, `${n.type === "BreakStatement" ? "break" : "continue"} to a label`);
        break;
      case "BinaryExpression":
        if (n.operator === "**") report("exponent", operatorAt((child(n, "left") as AstNode).end, "**"), "** operator");
        break;
      case "AssignmentExpression": {
        const op = n.operator as string;
        const left = child(n, "left") as AstNode;
        if (op === "**=") report("exponent", operatorAt(left.end, op), "**= operator");
        if (op === "??=" || op === "||=" || op === "&&=") report("logical-assignment", operatorAt(left.end, op), `${op} operator`);
        break;
      }
      case "MemberExpression":
      case "CallExpression":
        if (n.optional) {
          const before = child(n, n.type === "MemberExpression" ? "object" : "callee") as AstNode;
          report("optional-chaining", operatorAt(before.end, "?."), "optional chaining ?.");
        }
        break;
      case "TaggedTemplateExpression":
        report("tagged-template", n.start, "tagged template");
        break;
      case "Literal": {
        const raw = n.raw as string;
        if (n.bigint !== undefined) report("bigint", n.start, `BigInt literal ${raw}`);
        else if (n.regex) {
          const re = n.regex as { pattern: string; flags: string };
          regexAt(n.start, re.pattern, re.flags, n.start + 1, n.end - re.flags.length);
        } else if (typeof n.value === "string") {
          const u = codePointEscape(raw);
          if (u >= 0) report("unicode-code-point-escape", n.start + u, "\\u{...} escape");
          const w = firstWideChar(n.value);
          if (w >= 0) report("wide-char", n.start, `string with the character U+${n.value.charCodeAt(w).toString(16).toUpperCase().padStart(4, "0")}`);
        }
        break;
      }
      case "TemplateElement": {
        const v = n.value as { raw: string; cooked: string | null };
        const u = codePointEscape(v.raw);
        if (u >= 0) report("unicode-code-point-escape", n.start + u, "\\u{...} escape in a template");
        const w = v.cooked === null ? -1 : firstWideChar(v.cooked);
        if (w >= 0) report("wide-char", n.start, `template with the character U+${(v.cooked as string).charCodeAt(w).toString(16).toUpperCase().padStart(4, "0")}`);
        break;
      }
      case "Super": {
        let fn: AstNode | null = null;
        for (let i = ancestors.length - 1; i >= 0; i--) {
          if (isFunction(ancestors[i]) && ancestors[i].type !== "ArrowFunctionExpression") {
            fn = ancestors[i];
            const holder = ancestors[i - 1];
            if (!holder || holder.type !== "MethodDefinition") report("super-outside-class", n.start, "super in an object-literal method");
            break;
          }
        }
        if (!fn) report("super-outside-class", n.start, "super outside a method");
        break;
      }
      case "ClassDeclaration":
      case "ClassExpression": {
        const sup = child(n, "superClass");
        if (sup && sup.type !== "Identifier") report("extends-expression", sup.start, "extends followed by an expression");
        else if (sup && a.globals.has(sup) && NATIVE_CONSTRUCTORS.has(sup.name as string)) report("extends-builtin", sup.start, `extends ${sup.name as string}`);
        break;
      }
      case "SwitchStatement": {
        let seenDefault = false;
        for (const c of children(n, "cases")) {
          if (c.test === null) seenDefault = true;
          else if (seenDefault) report("case-after-default", c.start, "case after default");
        }
        break;
      }
      case "MetaProperty":
        report("meta-property", n.start, `${(child(n, "meta") as AstNode).name as string}.${(child(n, "property") as AstNode).name as string}`);
        break;
      case "WithStatement":
        report("with", n.start, "with statement");
        break;
      case "ImportDeclaration":
      case "ExportNamedDeclaration":
      case "ExportDefaultDeclaration":
      case "ExportAllDeclaration":
        report("module-syntax", n.start, n.type.startsWith("Import") ? "import declaration" : "export declaration");
        break;
      case "ImportExpression":
        report("module-syntax", n.start, "dynamic import()");
        break;
      case "ForOfStatement": {
        if (n.await) report("async-await", n.start, "for await");
        const right = child(n, "right") as AstNode;
        const callee = right.type === "CallExpression" ? child(right, "callee") : null;
        if (callee && callee.type === "MemberExpression" && children(right, "arguments").length === 0 && ITERATOR_METHODS.has(propertyName(callee) ?? "")) {
          report("for-of-iterator", right.start, `for...of over .${propertyName(callee) as string}()`);
        }
        break;
      }
      case "Identifier": {
        const name = n.name as string;
        if (name.length > 63 && !longNames.has(name)) {
          longNames.add(name);
          report("long-identifier", n.start, `identifier of ${name.length} characters`);
        }
        if (name === "arguments" && a.refs.has(n)) {
          const r = a.refs.get(n) as Reference;
          const declared = r.resolved !== null && r.resolved.defs.length > 0;
          const fn = enclosingFunction(a, n);
          if (!declared && fn && fn.type === "ArrowFunctionExpression") report("arrow-arguments", n.start, "arguments inside an arrow function");
        }
        if (a.globals.has(n) && MISSING_GLOBALS.has(name)) report("missing-global", n.start, name);
        break;
      }
      default:
        break;
    }

    if (n.type === "MemberExpression") {
      const obj = child(n, "object") as AstNode;
      const prop = propertyName(n);
      if (obj.type === "Identifier" && a.globals.has(obj) && prop !== null) {
        const statics = MISSING_STATICS[obj.name as string];
        if (statics && statics.indexOf(prop) >= 0) report("missing-static", n.start, `${obj.name as string}.${prop}`);
      }
    }
    if (n.type === "CallExpression" || n.type === "NewExpression") checkCall(n);
    forEachChild(n, (c) => {
      ancestors.push(n);
      visit(c, ancestors);
      ancestors.pop();
    });
  }

  function checkCall(n: AstNode): void {
    const callee = child(n, "callee") as AstNode;
    const args = children(n, "arguments");
    // new RegExp("literal", "flags") and RegExp("literal")
    if (callee.type === "Identifier" && callee.name === "RegExp" && a.globals.has(callee) && args[0]?.type === "Literal" && typeof args[0].value === "string") {
      const flags = args[1]?.type === "Literal" && typeof args[1].value === "string" ? args[1].value : "";
      regexAt(args[0].start, args[0].value, flags, null, args[1] ? args[1].start : args[0].start);
    }
    if (n.type !== "CallExpression" || callee.type !== "MemberExpression") return;
    const name = propertyName(callee);
    if (name === null) return;
    const obj = child(callee, "object") as AstNode;
    const prop = child(callee, "property") as AstNode;
    if (obj.type === "Identifier" && obj.name === "JSON" && a.globals.has(obj)) {
      if (name === "parse" && args.length > 1 && !isNullish(args[1])) report("json-reviver", n.start, "JSON.parse with a reviver");
      if (name === "stringify" && args.length > 1 && !isNullish(args[1])) report("json-replacer", n.start, "JSON.stringify with a replacer");
    }
    if (MISSING_METHODS.has(name) && !defined.has(name)) report("missing-method", prop.start, `.${name}()`);
    const parent = a.parents.get(n);
    const forOfRight = parent && parent.type === "ForOfStatement" && parent.right === n;
    if (ITERATOR_METHODS.has(name) && args.length === 0 && !defined.has(name) && !forOfRight) report("missing-method", prop.start, `.${name}()`);
    if (name === "lastIndexOf" && isArrayLike(a, obj)) report("missing-method", prop.start, ".lastIndexOf() on an array");
  }

  visit(a.program, []);

  // Names Espruino reserves, in every binding form the scope manager knows.
  for (const s of a.scopes.scopes) {
    for (const v of s.variables) {
      if (!RESERVED_NAMES.has(v.name)) continue;
      for (const d of v.defs) report("reserved-name", (d.name as unknown as AstNode).start, `"${v.name}" declared as a name`);
    }
  }

  checkLoopClosures(a, report);
}

/** Functions created in a `for (let/const ...)` loop that use the loop's variable and outlive the iteration. */
function checkLoopClosures(a: Analysis, report: Report): void {
  const reported = new Set<AstNode>();
  for (const [loop] of a.parents) {
    let decl: AstNode | null = null;
    if (loop.type === "ForStatement") decl = child(loop, "init");
    else if (loop.type === "ForInStatement" || loop.type === "ForOfStatement") decl = child(loop, "left");
    if (!decl || decl.type !== "VariableDeclaration" || decl.kind === "var") continue;
    for (const v of a.scopes.getDeclaredVariables(decl as unknown as Parameters<typeof a.scopes.getDeclaredVariables>[0])) {
      for (const r of v.references) {
        const id = r.identifier as unknown as AstNode;
        // The value escapes the iteration when any function between the reference and the loop
        // may run later (not an IIFE, not a forEach-style callback); report the outermost one.
        let fn: AstNode | null = null;
        let cur = a.parents.get(id);
        while (cur && cur !== loop) {
          if (isFunction(cur) && !runsInPlace(a, cur)) fn = cur;
          cur = a.parents.get(cur);
        }
        if (!fn || cur !== loop || !within(fn, loop) || reported.has(fn)) continue;
        reported.add(fn);
        report("loop-closure", fn.start, `closure over the loop variable "${v.name}"`);
      }
    }
  }
}

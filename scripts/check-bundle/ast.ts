/*
 * The few AST helpers the gate's checks share: a loose ESTree node type (acorn's output), a
 * generic child walk that needs no per-type visitor keys, a parent map, and the scope manager
 * (eslint-scope) that resolves each identifier to its declaration.
 */
import { analyze, type Reference, type ScopeManager, type Variable } from "eslint-scope";

export interface Pos {
  line: number;
  column: number;
}

export interface AstNode {
  type: string;
  start: number;
  end: number;
  loc: { start: Pos; end: Pos };
  [key: string]: unknown;
}

export function isNode(v: unknown): v is AstNode {
  return typeof v === "object" && v !== null && typeof (v as AstNode).type === "string" && typeof (v as AstNode).start === "number";
}

/** Child node under `key`, or null. */
export function child(n: AstNode, key: string): AstNode | null {
  const v = n[key];
  return isNode(v) ? v : null;
}

/** Child nodes under `key` (an array property), skipping holes. */
export function children(n: AstNode, key: string): AstNode[] {
  const v = n[key];
  return Array.isArray(v) ? v.filter(isNode) : [];
}

/** Calls `fn` for each direct child node, in source order of the properties. */
export function forEachChild(n: AstNode, fn: (c: AstNode, key: string) => void): void {
  for (const key of Object.keys(n)) {
    if (key === "loc" || key === "regex") continue;
    const v = n[key];
    if (Array.isArray(v)) {
      for (const c of v) if (isNode(c)) fn(c, key);
    } else if (isNode(v)) fn(v, key);
  }
}

/** Name of a non-computed member's property (`a.b`, `a["b"]`), or null. */
export function propertyName(member: AstNode): string | null {
  const p = child(member, "property");
  if (!p) return null;
  if (!member.computed && p.type === "Identifier") return p.name as string;
  if (p.type === "Literal" && typeof p.value === "string") return p.value;
  return null;
}

/** Name of an object/class key (`{a: 1}`, `{"a": 1}`, `a() {}`), or null when computed. */
export function keyName(prop: AstNode): string | null {
  const k = child(prop, "key");
  if (!k || prop.computed) return null;
  if (k.type === "Identifier") return k.name as string;
  if (k.type === "Literal" && (typeof k.value === "string" || typeof k.value === "number")) return String(k.value);
  return null;
}

export const FUNCTION_TYPES = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

export function isFunction(n: AstNode | null): boolean {
  return n !== null && FUNCTION_TYPES.has(n.type);
}

/** Strips parentheses-free wrappers that do not change the value: `(0, f)` → `f`. */
export function unwrapCallee(n: AstNode): AstNode {
  let cur = n;
  while (cur.type === "SequenceExpression") {
    const ex = children(cur, "expressions");
    cur = ex[ex.length - 1];
  }
  return cur;
}

export interface Analysis {
  program: AstNode;
  scopes: ScopeManager;
  parents: Map<AstNode, AstNode>;
  /** Every identifier node that is a reference, with its reference. */
  refs: Map<AstNode, Reference>;
  /** Unresolved (global) references by identifier node. */
  globals: Set<AstNode>;
}

export function analyseProgram(program: AstNode, sourceType: "script" | "module"): Analysis {
  const scopes = analyze(program as unknown as Parameters<typeof analyze>[0], { ecmaVersion: 2025, sourceType });
  const parents = new Map<AstNode, AstNode>();
  const stack: AstNode[] = [program];
  while (stack.length > 0) {
    const n = stack.pop() as AstNode;
    forEachChild(n, (c) => {
      parents.set(c, n);
      stack.push(c);
    });
  }
  const refs = new Map<AstNode, Reference>();
  const globals = new Set<AstNode>();
  for (const s of scopes.scopes) {
    for (const r of s.references) {
      const id = r.identifier as unknown as AstNode;
      refs.set(id, r);
      if (r.resolved === null) globals.add(id);
    }
  }
  return { program, scopes, parents, refs, globals };
}

/** The single declaring node of a variable when it has exactly one definition. */
export function singleDef(v: Variable | null): { type: string; node: AstNode; parent: AstNode | null } | null {
  if (!v || v.defs.length !== 1) return null;
  const d = v.defs[0];
  return { type: d.type, node: d.node as unknown as AstNode, parent: (d.parent as unknown as AstNode | null) ?? null };
}

/** True when `inner` lies within `outer`'s source range. */
export function within(inner: AstNode, outer: AstNode): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

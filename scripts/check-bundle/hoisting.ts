/*
 * use-before-declaration: Espruino does not hoist. `function f(){}` exists only once its
 * statement has executed, so calling or reading f earlier, in the same or an enclosing scope,
 * is a ReferenceError on the device (and works in Node, so only this check can see it).
 *
 * How: an abstract run of the code in execution order.
 *   - The state is the set of function declarations whose statement has run (plus the
 *     `const f = () => ...` variables whose initialiser has run, so calls through them are
 *     followed too). A scope's statements are walked in order; a FunctionDeclaration adds itself.
 *   - Expressions evaluated now are walked; function bodies are not (they run later), except
 *     where they run now: an IIFE, a call to a known function (an identifier resolving to a
 *     function declaration, a never-reassigned const/let/var holding a function, `f.call(...)`,
 *     `f.apply(...)`), `new C()` of a known class (its constructor and its parents'), the
 *     executor of `new Promise(...)`, and the callbacks of forEach/map/filter/some/every/reduce/
 *     find/findIndex/sort/replace. A followed body sees the caller's state (its own
 *     declarations start unrun), transitively, with a recursion guard. Since more declarations
 *     run can only remove problems, a body already walked from a smaller state is not walked again.
 *   - Reading such a name before its statement ran is reported at the name, with the chain of
 *     calls that reached it. `typeof f` is allowed (it gives "undefined", no error).
 *   - Entry points: the program, walked from an empty state; and every function, walked as a
 *     deferred callback with everything outside it already run (a callback runs after the code
 *     that created it), which checks the order inside each function body.
 * Limits (all lean towards silence, never towards false alarms, except the first):
 *   - A declaration inside a nested block (if, loop, try, a bare block) counts as run only
 *     until that block ends; code after the block that uses it is reported.
 *   - Calls through object properties (`api.start()`), through parameters, through values
 *     stored in data structures, and getters are not followed.
 *   - A function passed to anything else (a user function, `on("data", f)`, `setTimeout`) is
 *     taken to run later; a user function that calls its callback at once is not followed.
 *   - Code after a `return`/`throw` at the same level is not walked (it is dead).
 */
import type { Variable } from "eslint-scope";
import { type Analysis, type AstNode, child, children, forEachChild, isFunction, propertyName, singleDef, unwrapCallee, within } from "./ast.ts";
import { SYNC_CALLBACK_METHODS } from "./syntax.ts";

type State = Set<unknown>;

interface Frame {
  site: AstNode;
  name: string;
}

type Target =
  | { kind: "decl"; node: AstNode }
  | { kind: "value"; variable: Variable; fn: AstNode }
  | { kind: "class"; variable: Variable; node: AstNode };

export type HoistingReport = (at: number, construct: string) => void;

export function checkHoisting(a: Analysis, report: HoistingReport, where: (offset: number) => string): void {
  const targetCache = new Map<Variable, Target | null>();
  const active = new Set<AstNode>();
  const memo = new Map<AstNode, State[]>();

  function targetOfVariable(v: Variable | null): Target | null {
    if (!v) return null;
    if (targetCache.has(v)) return targetCache.get(v) as Target | null;
    let t: Target | null = null;
    const d = singleDef(v);
    if (d && d.type === "FunctionName" && d.node.type === "FunctionDeclaration") t = { kind: "decl", node: d.node };
    else if (d && d.type === "ClassName" && d.node.type === "ClassDeclaration") t = { kind: "class", variable: v, node: d.node };
    else if (d && d.type === "Variable") {
      const init = child(d.node, "init");
      const writes = v.references.filter((r) => r.isWrite()).length;
      if (init && isFunction(init) && writes <= 1) t = { kind: "value", variable: v, fn: init };
    }
    targetCache.set(v, t);
    return t;
  }

  function targetOf(id: AstNode): Target | null {
    const r = a.refs.get(id);
    return r ? targetOfVariable(r.resolved) : null;
  }

  function chainText(chain: Frame[]): string {
    if (chain.length === 0) return "";
    return ` (reached through ${chain.map((f) => `${f.name} at ${where(f.site.start)}`).join(" → ")})`;
  }

  function checkRead(id: AstNode, state: State, chain: Frame[], called: boolean): void {
    const r = a.refs.get(id);
    if (!r || !r.isRead()) return;
    const t = targetOfVariable(r.resolved);
    if (!t || t.kind !== "decl" || state.has(t.node)) return;
    const name = id.name as string;
    report(id.start, `"${name}" ${called ? "called" : "read"} before its declaration at ${where(t.node.start)} has run${chainText(chain)}`);
  }

  function isSubset(small: State, big: State): boolean {
    for (const x of small) if (!big.has(x)) return false;
    return true;
  }

  function follow(fn: AstNode, state: State, chain: Frame[]): void {
    if (active.has(fn) || chain.length > 64) return;
    const seen = memo.get(fn) ?? [];
    if (seen.some((s) => isSubset(s, state))) return;
    seen.push(new Set(state));
    memo.set(fn, seen);
    active.add(fn);
    execFunction(fn, state, chain);
    active.delete(fn);
  }

  function execFunction(fn: AstNode, state: State, chain: Frame[]): void {
    const local = new Set(state);
    const body = child(fn, "body") as AstNode;
    if (body.type === "BlockStatement") execStatements(children(body, "body"), local, chain);
    else evalExpr(body, local, chain);
  }

  function constructorsOf(cls: AstNode, state: State, out: AstNode[], depth: number): void {
    if (depth > 16) return;
    const body = child(cls, "body") as AstNode;
    for (const m of children(body, "body")) {
      if (m.type === "MethodDefinition" && m.kind === "constructor") out.push(child(m, "value") as AstNode);
    }
    const sup = child(cls, "superClass");
    if (sup && sup.type === "Identifier") {
      const t = targetOf(sup);
      if (t && t.kind === "class" && state.has(t.variable)) constructorsOf(t.node, state, out, depth + 1);
    }
  }

  /** Functions that run now when `call` is evaluated, each with the name shown in the chain. */
  function calledNow(call: AstNode, state: State): Array<{ fn: AstNode; name: string }> {
    const out: Array<{ fn: AstNode; name: string }> = [];
    const callee = unwrapCallee(child(call, call.type === "TaggedTemplateExpression" ? "tag" : "callee") as AstNode);
    const args = children(call, "arguments");
    const known = (n: AstNode, label: string): void => {
      if (isFunction(n)) {
        out.push({ fn: n, name: label });
        return;
      }
      if (n.type !== "Identifier") return;
      const t = targetOf(n);
      if (!t) return;
      if (t.kind === "decl" && state.has(t.node)) out.push({ fn: t.node, name: label });
      else if (t.kind === "value" && state.has(t.variable)) out.push({ fn: t.fn, name: label });
      else if (t.kind === "class" && call.type === "NewExpression" && state.has(t.variable)) {
        const ctors: AstNode[] = [];
        constructorsOf(t.node, state, ctors, 0);
        for (const c of ctors) out.push({ fn: c, name: `new ${n.name as string}()` });
      }
    };
    if (callee.type === "MemberExpression") {
      const name = propertyName(callee) ?? "";
      const obj = child(callee, "object") as AstNode;
      if (name === "call" || name === "apply") known(obj, `${obj.type === "Identifier" ? (obj.name as string) : "function"}.${name}()`);
      if (SYNC_CALLBACK_METHODS.has(name)) for (const arg of args) known(arg, `the .${name}() callback`);
    } else if (callee.type === "Identifier" && callee.name === "Promise" && call.type === "NewExpression" && a.globals.has(callee)) {
      if (args[0]) known(args[0], "the Promise executor");
    } else {
      known(callee, callee.type === "Identifier" ? `${callee.name as string}()` : "an immediately-invoked function");
    }
    return out;
  }

  function evalExpr(n: AstNode | null, state: State, chain: Frame[]): void {
    if (!n) return;
    switch (n.type) {
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        return; // runs later, unless called right here (see calls)
      case "ClassExpression":
        evalClassHeader(n, state, chain);
        return;
      case "Identifier":
        checkRead(n, state, chain, false);
        return;
      case "UnaryExpression":
        if (n.operator === "typeof" && (child(n, "argument") as AstNode).type === "Identifier") return;
        break;
      case "CallExpression":
      case "NewExpression":
      case "TaggedTemplateExpression": {
        const callee = child(n, n.type === "TaggedTemplateExpression" ? "tag" : "callee") as AstNode;
        if (callee.type === "Identifier") checkRead(callee, state, chain, true);
        else evalExpr(callee, state, chain);
        for (const arg of children(n, "arguments")) evalExpr(arg, state, chain);
        if (n.type === "TaggedTemplateExpression") evalExpr(child(n, "quasi"), state, chain);
        for (const t of calledNow(n, state)) follow(t.fn, state, chain.concat([{ site: n, name: t.name }]));
        return;
      }
      case "MemberExpression":
        evalExpr(child(n, "object"), state, chain);
        if (n.computed) evalExpr(child(n, "property"), state, chain);
        return;
      case "Property":
        if (n.computed) evalExpr(child(n, "key"), state, chain);
        evalExpr(child(n, "value"), state, chain);
        return;
      case "AssignmentExpression": {
        const left = child(n, "left") as AstNode;
        if (left.type === "MemberExpression") evalExpr(left, state, chain);
        else if (left.type === "Identifier" && n.operator !== "=") checkRead(left, state, chain, false);
        evalExpr(child(n, "right"), state, chain);
        return;
      }
      default:
        break;
    }
    forEachChild(n, (c) => evalExpr(c, state, chain));
  }

  function evalClassHeader(cls: AstNode, state: State, chain: Frame[]): void {
    evalExpr(child(cls, "superClass"), state, chain);
    for (const m of children(child(cls, "body") as AstNode, "body")) {
      if (m.computed) evalExpr(child(m, "key"), state, chain);
    }
  }

  /** Runs a statement list in order; returns false once control cannot reach the next statement. */
  function execStatements(list: AstNode[], state: State, chain: Frame[]): boolean {
    for (const s of list) if (!execStatement(s, state, chain)) return false;
    return true;
  }

  function execStatement(s: AstNode, state: State, chain: Frame[]): boolean {
    const copy = (): State => new Set(state);
    switch (s.type) {
      case "FunctionDeclaration":
        state.add(s);
        return true;
      case "VariableDeclaration":
        for (const d of children(s, "declarations")) {
          evalExpr(child(d, "init"), state, chain);
          for (const v of a.scopes.getDeclaredVariables(d as unknown as Parameters<typeof a.scopes.getDeclaredVariables>[0])) if (targetOfVariable(v)) state.add(v);
        }
        return true;
      case "ClassDeclaration": {
        evalClassHeader(s, state, chain);
        for (const v of a.scopes.getDeclaredVariables(s as unknown as Parameters<typeof a.scopes.getDeclaredVariables>[0])) if (targetOfVariable(v)) state.add(v);
        return true;
      }
      case "ExpressionStatement":
        evalExpr(child(s, "expression"), state, chain);
        return true;
      case "ReturnStatement":
      case "ThrowStatement":
        evalExpr(child(s, "argument"), state, chain);
        return false;
      case "IfStatement": {
        evalExpr(child(s, "test"), state, chain);
        execStatement(child(s, "consequent") as AstNode, copy(), chain);
        const alt = child(s, "alternate");
        if (alt) execStatement(alt, copy(), chain);
        return true;
      }
      case "BlockStatement":
        execStatements(children(s, "body"), copy(), chain);
        return true;
      case "ForStatement": {
        const inner = copy();
        const init = child(s, "init");
        if (init && init.type === "VariableDeclaration") execStatement(init, inner, chain);
        else evalExpr(init, inner, chain);
        evalExpr(child(s, "test"), inner, chain);
        execStatement(child(s, "body") as AstNode, new Set(inner), chain);
        evalExpr(child(s, "update"), inner, chain);
        return true;
      }
      case "ForInStatement":
      case "ForOfStatement": {
        evalExpr(child(s, "right"), state, chain);
        execStatement(child(s, "body") as AstNode, copy(), chain);
        return true;
      }
      case "WhileStatement":
        evalExpr(child(s, "test"), state, chain);
        execStatement(child(s, "body") as AstNode, copy(), chain);
        return true;
      case "DoWhileStatement": {
        const inner = copy();
        execStatement(child(s, "body") as AstNode, inner, chain);
        evalExpr(child(s, "test"), inner, chain);
        return true;
      }
      case "TryStatement": {
        execStatement(child(s, "block") as AstNode, copy(), chain);
        const handler = child(s, "handler");
        if (handler) execStatement(child(handler, "body") as AstNode, copy(), chain);
        const fin = child(s, "finalizer");
        if (fin) execStatement(fin, copy(), chain);
        return true;
      }
      case "SwitchStatement": {
        evalExpr(child(s, "discriminant"), state, chain);
        const inner = copy();
        for (const c of children(s, "cases")) {
          evalExpr(child(c, "test"), inner, chain);
          execStatements(children(c, "consequent"), inner, chain);
        }
        return true;
      }
      case "LabeledStatement":
        return execStatement(child(s, "body") as AstNode, state, chain);
      case "WithStatement":
        evalExpr(child(s, "object"), state, chain);
        execStatement(child(s, "body") as AstNode, copy(), chain);
        return true;
      case "ExportNamedDeclaration":
      case "ExportDefaultDeclaration": {
        const d = child(s, "declaration");
        if (d && (d.type.endsWith("Declaration"))) return execStatement(d, state, chain);
        evalExpr(d, state, chain);
        return true;
      }
      default:
        return true;
    }
  }

  // Entry 1: the program, from nothing.
  execStatements(children(a.program, "body"), new Set(), []);

  // Entry 2: every function as a deferred callback, with everything outside it already run.
  const runnable: Array<{ node: AstNode; key: unknown }> = [];
  for (const s of a.scopes.scopes) {
    for (const v of s.variables) {
      const t = targetOfVariable(v);
      if (t && t.kind === "decl") runnable.push({ node: t.node, key: t.node });
      else if (t) runnable.push({ node: v.defs[0].node as unknown as AstNode, key: v });
    }
  }
  for (const [n] of a.parents) {
    if (!isFunction(n)) continue;
    const body = child(n, "body") as AstNode;
    const state: State = new Set();
    for (const r of runnable) if (!within(r.node, body)) state.add(r.key);
    execFunction(n, state, []);
  }
}

/*
 * A rollup output plugin, run after terser: moves each `var` declaration without an initializer
 * to the top of its function. Espruino does not hoist `var` (docs/MEMORY.md, rule 6): terser
 * inlines a one-use function with parameters as `(a = x, ...); var a;`, and on Espruino that
 * assignment goes to an outer variable of the same name (a parameter, another module's function,
 * a const: then it throws). JavaScript hoists every `var` to its function's top, so moving the
 * declaration there changes nothing on V8 and makes Espruino do what the code says. The
 * statement left behind is an empty statement, valid wherever a statement was.
 */
import { parse, type Node } from "acorn";
import { ancestor } from "acorn-walk";

interface Edit {
  at: number;
  end: number;
  text: string;
}

type FunctionNode = Node & { body: Node & { type: string; start: number; body?: unknown } };

/** The code with every initializer-less `var` moved to its function's (or the script's) top. */
export function hoistVars(code: string): string {
  const ast = parse(code, { ecmaVersion: 2020, sourceType: "script" });
  const byScope = new Map<Node, string[]>();
  const edits: Edit[] = [];
  ancestor(ast, {
    VariableDeclaration(node, _state, ancestors) {
      const decl = node as Node & { kind: string; declarations: Array<{ id: { type: string; name: string }; init: unknown }> };
      if (decl.kind !== "var" || decl.declarations.some((d) => d.init !== null || d.id.type !== "Identifier")) return;
      const parent = ancestors[ancestors.length - 2] as Node & { type: string };
      // `for (var i; ...)` and `for (var k in o)`: leave them where they are.
      if (parent.type === "ForStatement" || parent.type === "ForInStatement" || parent.type === "ForOfStatement") return;
      let scope: Node = ast;
      for (let i = ancestors.length - 2; i >= 0; i--) {
        const t = ancestors[i].type;
        if (t === "FunctionDeclaration" || t === "FunctionExpression" || t === "ArrowFunctionExpression") {
          scope = ancestors[i];
          break;
        }
      }
      const names = byScope.get(scope) ?? [];
      for (const d of decl.declarations) if (!names.includes(d.id.name)) names.push(d.id.name);
      byScope.set(scope, names);
      edits.push({ at: node.start, end: node.end, text: ";" });
    },
  });
  for (const [scope, names] of byScope) {
    const decl = "var " + names.join(",") + ";";
    if (scope === ast) edits.push({ at: 0, end: 0, text: decl });
    else {
      const body = (scope as FunctionNode).body;
      // An arrow with an expression body holds no statements, so no `var` can be in it.
      if (body.type !== "BlockStatement") throw new Error("hoist-vars: a var outside a block body");
      edits.push({ at: body.start + 1, end: body.start + 1, text: decl });
    }
  }
  edits.sort((a, b) => b.at - a.at || b.end - a.end);
  let out = code;
  for (const e of edits) out = out.slice(0, e.at) + e.text + out.slice(e.end);
  return out;
}

export function hoistVarsPlugin(): { name: string; renderChunk: (code: string) => { code: string; map: null } } {
  return {
    name: "hoist-vars",
    renderChunk: (code: string) => ({ code: hoistVars(code), map: null }),
  };
}

/*
 * Finds arrow functions that use `this` in a bundle. On Espruino 2v29 such an arrow, created
 * while a socket server's connection callback runs and kept (a timer, a listener), corrupts the
 * interpreter: the next connection is never accepted or it fails `ASSERT(jsvHasChildren(obj))`
 * (docs/MEMORY.md, "Rules", rule 1). The firmware captures `const self = this` instead.
 */
import { parse } from "acorn";
import { simple } from "acorn-walk";
import type { Node } from "acorn";

/** Offsets of the arrows in `code` whose own body (not a nested function) reads `this`. */
export function arrowsUsingThis(code: string): number[] {
  const ast = parse(code, { ecmaVersion: 2020, sourceType: "script" });
  const found: number[] = [];
  simple(ast, {
    ArrowFunctionExpression(n: Node) {
      let uses = false;
      const visit = (x: unknown): void => {
        if (uses || !x || typeof x !== "object") return;
        const t = (x as { type?: string }).type;
        if (t === "ThisExpression") {
          uses = true;
          return;
        }
        if (t === "FunctionExpression" || t === "FunctionDeclaration" || t === "ClassBody") return;
        for (const k of Object.keys(x)) if (k !== "type") visit((x as Record<string, unknown>)[k]);
      };
      visit((n as unknown as { body: unknown }).body);
      if (uses) found.push(n.start);
    },
  });
  return found;
}

/*
 * The Espruino gate: checks one JavaScript bundle against what Espruino 2v29 really runs
 * (docs/ESPRUINO-GATE.md) and the board's byte budget. Every rule is in ./rules.ts (id, what,
 * why, example) and listed in docs/ESPRUINO-GATE.md; each problem reads
 * `file:line:col: <rule-id>: <construct> — <reason>`.
 *
 * The code is parsed by acorn at the latest ECMAScript version, so syntax Espruino lacks parses
 * and is reported by name rather than as a parse error; a real syntax error is one problem at
 * its place. Scripts are parsed as scripts (rollup's IIFE); only if that fails is the code tried
 * as a module, so that `import`/`export` is reported as such. Per-node checks live in
 * ./syntax.ts, the no-hoisting analysis in ./hoisting.ts, the RegExp reader in ./regexp.js; each
 * says its own limits. Lines and columns are 1-based; a column counts UTF-16 code units.
 */
import * as acorn from "acorn";
import { analyseProgram, type AstNode } from "./ast.ts";
import { checkHoisting } from "./hoisting.ts";
import { ruleById } from "./rules.ts";
import { checkSyntax } from "./syntax.ts";

export { RULES, type Rule } from "./rules.ts";

export interface Problem {
  file: string;
  line: number;
  column: number;
  rule: string;
  /** `<construct> — <reason>`. */
  message: string;
}

export interface CheckOptions {
  file: string;
  /** Largest allowed size in bytes (UTF-8); no size check when absent. */
  budgetBytes?: number;
}

function lineStarts(code: string): number[] {
  const starts = [0];
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c === 10 || (c === 13 && code.charCodeAt(i + 1) !== 10) || c === 0x2028 || c === 0x2029) starts.push(i + 1);
  }
  return starts;
}

function parse(code: string): { program: AstNode; sourceType: "script" | "module" } | { error: { pos: number; message: string } } {
  const base: acorn.Options = { ecmaVersion: "latest", locations: true, ranges: true, allowHashBang: true };
  try {
    return { program: acorn.parse(code, { ...base, sourceType: "script" }) as unknown as AstNode, sourceType: "script" };
  } catch (scriptError) {
    try {
      return { program: acorn.parse(code, { ...base, sourceType: "module" }) as unknown as AstNode, sourceType: "module" };
    } catch {
      const e = scriptError as { pos?: number; message: string };
      return { error: { pos: e.pos ?? 0, message: e.message.replace(/ \(\d+:\d+\)$/, "") } };
    }
  }
}

/** Checks `code`; returns its problems in source order (empty when it may ship). */
export function checkBundle(code: string, opts: CheckOptions): Problem[] {
  const starts = lineStarts(code);
  const toLineCol = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  };
  const where = (offset: number): string => {
    const p = toLineCol(offset);
    return `${p.line}:${p.column}`;
  };
  const problems: Array<Problem & { offset: number }> = [];
  const seen = new Set<string>();
  const report = (rule: string, offset: number, construct: string): void => {
    const key = `${rule}@${offset}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push({ file: opts.file, ...toLineCol(offset), rule, message: `${construct} — ${ruleById(rule).why}`, offset });
  };

  if (opts.budgetBytes !== undefined) {
    const bytes = Buffer.byteLength(code, "utf8");
    if (bytes > opts.budgetBytes) {
      report("bundle-budget", 0, `bundle of ${bytes} bytes, over the budget of ${opts.budgetBytes} bytes by ${bytes - opts.budgetBytes}`);
    }
  }

  const parsed = parse(code);
  if ("error" in parsed) {
    report("syntax-error", parsed.error.pos, `syntax error: ${parsed.error.message}`);
  } else {
    const analysis = analyseProgram(parsed.program, parsed.sourceType);
    checkSyntax(analysis, code, report);
    checkHoisting(analysis, (offset, construct) => report("use-before-declaration", offset, construct), where);
  }
  problems.sort((x, y) => x.offset - y.offset || (x.rule < y.rule ? -1 : 1));
  return problems.map(({ offset, ...p }) => (void offset, p));
}

/** One line per problem: `file:line:col: <rule-id>: <construct> — <reason>`. */
export function formatProblems(problems: Problem[]): string {
  return problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.rule}: ${p.message}`).join("\n");
}

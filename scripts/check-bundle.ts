/*
 * `npm run check:bundle -- <file.js>... [--budget <bytes>] [--board <name>]`: the Espruino gate
 * on built bundles (scripts/check-bundle/index.ts; rules in docs/ESPRUINO-GATE.md).
 *
 * Prints one line per problem, `file:line:col: <rule-id>: <construct> — <reason>`, or
 * `file: ok (N bytes, budget M)`. The byte budget is --budget, else the board's bundleBudget
 * (--board), else none. `--rules` prints the rule table; `--docs` prints docs/ESPRUINO-GATE.md.
 * Exit codes: 0 clean, 1 problems, 2 usage errors (bad arguments, unknown board, unreadable file).
 */
import { readFileSync } from "node:fs";
import { loadBoard } from "../board-configs/index.ts";
import { renderGateDoc } from "./check-bundle/docs.ts";
import { checkBundle, formatProblems, RULES } from "./check-bundle/index.ts";

const USAGE = "usage: check-bundle <file.js>... [--budget <bytes>] [--board <name>] | --rules | --docs";

class UsageError extends Error {}

interface Args {
  files: string[];
  budget?: number;
  board?: string;
  mode: "check" | "rules" | "docs";
}

function parseArgs(argv: string[]): Args {
  const out: Args = { files: [], mode: "check" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--budget") {
      const v = argv[++i];
      if (v === undefined || !/^[0-9]+$/.test(v)) throw new UsageError(`--budget needs a number of bytes, got ${v === undefined ? "nothing" : JSON.stringify(v)}`);
      out.budget = Number(v);
    } else if (a === "--board") {
      const v = argv[++i];
      if (v === undefined) throw new UsageError("--board needs a board name");
      out.board = v;
    } else if (a === "--rules") out.mode = "rules";
    else if (a === "--docs") out.mode = "docs";
    else if (a === "-h" || a === "--help") throw new UsageError("");
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else out.files.push(a);
  }
  if (out.mode === "check" && out.files.length === 0) throw new UsageError("no bundle given");
  return out;
}

export function main(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  let args: Args;
  let budget: number | undefined;
  const sources: Array<{ file: string; code: string }> = [];
  try {
    args = parseArgs(argv);
    budget = args.budget;
    if (args.board !== undefined) {
      try {
        const board = loadBoard(args.board);
        if (budget === undefined) budget = board.bundleBudget;
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    for (const file of args.files) {
      try {
        sources.push({ file, code: readFileSync(file, "utf8") });
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`${e.message ? `check-bundle: ${e.message}\n` : ""}${USAGE}\n`);
    return 2;
  }
  if (args.mode === "rules") {
    for (const r of RULES) out(`${r.id.padEnd(26)} ${r.what}\n`);
    return 0;
  }
  if (args.mode === "docs") {
    out(renderGateDoc());
    return 0;
  }
  let failed = false;
  for (const s of sources) {
    const problems = checkBundle(s.code, { file: s.file, budgetBytes: budget });
    if (problems.length > 0) {
      failed = true;
      out(formatProblems(problems) + "\n");
      err(`check-bundle: ${s.file}: ${problems.length} problem(s)\n`);
    } else {
      out(`${s.file}: ok (${Buffer.byteLength(s.code)} bytes${budget === undefined ? "" : `, budget ${budget}`})\n`);
    }
  }
  return failed ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = main(process.argv.slice(2), (s) => process.stdout.write(s), (s) => process.stderr.write(s));
}

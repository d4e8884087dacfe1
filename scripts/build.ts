/*
 * `npm run build [-- --board <name>] [--no-check]`: builds dist/<board>.js for every board (or
 * one), runs the Espruino gate on each bundle, and prints a size report. Exits non-zero when a
 * board is unknown, a config breaks the schema, the bundle fails the gate or is over budget.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { rollup } from "rollup";
import { BoardConfigError, knownBoards, loadBoard } from "../board-configs/index.ts";
import { createRollupOptions } from "../rollup.config.js";
import { boardModuleSource } from "./board-module.ts";
import { buildWeb, formatWebSizes } from "./build-web.ts";
import { arrowsUsingThis } from "./check-arrow-this.ts";
import { checkBundle, formatProblems } from "./check-bundle/index.ts";

export interface BuildResult {
  board: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  budget: number;
  problems: number;
}

export function firmwareVersion(): string {
  return (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;
}

/** Builds one board's bundle into dist/ and checks it; returns its figures. */
export async function buildBoard(name: string, opts: { minify?: boolean; outDir?: string } = {}): Promise<BuildResult> {
  const board = loadBoard(name);
  const o = createRollupOptions({ board: name, boardModule: boardModuleSource(board, firmwareVersion()), minify: opts.minify });
  const bundle = await rollup(o.input);
  const { output } = await bundle.generate(o.output);
  await bundle.close();
  const code = output[0].code;
  const outDir = opts.outDir ?? "dist";
  mkdirSync(outDir, { recursive: true });
  const file = `${outDir}/${name}.js`;
  writeFileSync(file, code);
  const problems = checkBundle(code, { file, budgetBytes: board.bundleBudget });
  if (problems.length > 0) process.stderr.write(formatProblems(problems) + "\n");
  const arrows = arrowsUsingThis(code);
  for (const at of arrows) process.stderr.write(`${file}: arrow function using \`this\` at offset ${at} (breaks Espruino; docs/MEMORY.md)\n`);
  return {
    board: name,
    file,
    bytes: Buffer.byteLength(code),
    gzipBytes: gzipSync(code).length,
    budget: board.bundleBudget,
    problems: problems.length + arrows.length,
  };
}

function parseArgs(argv: string[]): { boards: string[] } {
  const i = argv.indexOf("--board");
  if (i >= 0) {
    const name = argv[i + 1];
    if (!name) throw new BoardConfigError("EUNKNOWNBOARD", `--board needs a name; known boards: ${knownBoards().join(", ")}`);
    return { boards: [name] };
  }
  return { boards: knownBoards() };
}

const BUILD_USAGE = `usage: npm run build [-- --board <name>]

Builds dist/<board>.js for every board config (or the one named), the web pages into dist/web/,
runs the Espruino gate on each bundle and prints the sizes.

Exit codes: 0 built, 1 a bundle fails the gate or its budget, 2 bad usage.`;

async function main(): Promise<number> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    process.stdout.write(BUILD_USAGE + "\n");
    return 0;
  }
  let boards: string[];
  try {
    boards = parseArgs(process.argv.slice(2)).boards;
    for (const b of boards) loadBoard(b);
  } catch (e) {
    process.stderr.write(`build: ${(e as Error).message}\n`);
    return 2;
  }
  const results: BuildResult[] = [];
  process.stdout.write(formatWebSizes(buildWeb()) + "\n\n");
  for (const b of boards) results.push(await buildBoard(b));
  process.stdout.write("board      bytes   gzip  budget  used  gate\n");
  for (const r of results) {
    const used = ((100 * r.bytes) / r.budget).toFixed(0) + "%";
    process.stdout.write(
      `${r.board.padEnd(9)} ${String(r.bytes).padStart(6)} ${String(r.gzipBytes).padStart(6)} ${String(r.budget).padStart(7)} ${used.padStart(5)}  ${r.problems === 0 ? "ok" : r.problems + " problem(s)"}\n`,
    );
  }
  return results.some((r) => r.problems > 0) ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then((code) => process.exit(code), (e) => {
    process.stderr.write(`build: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}

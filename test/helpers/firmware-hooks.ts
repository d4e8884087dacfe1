/*
 * Node module hooks (node:module register(), see firmware-loader.ts) that resolve the two kinds
 * of module the build makes up, so that node:test can import firmware sources as they are:
 *
 *   "board-config"  the board's constants, as scripts/board-module.ts writes them for the build
 *                   (the source is computed by firmware-loader.ts and handed over as `data`);
 *   "lazy:NAME"     a module whose load() returns the exports of firmware/lazy/NAME.ts. The build
 *                   puts the module's code inside load() so each call runs it afresh; here it is
 *                   imported once and load() gives the same exports every time.
 *
 * Every other specifier goes on to the next hooks (tsx's).
 */
interface Data {
  boardSource: string;
  lazyDir: string;
}

interface ResolveResult {
  url: string;
  shortCircuit?: boolean;
}

interface LoadResult {
  format: string;
  source?: string;
  shortCircuit?: boolean;
}

const BOARD_URL = "espfw-test:board-config";
const LAZY_URL = "espfw-test:lazy/";

let data: Data = { boardSource: "", lazyDir: "" };

export function initialize(d: Data): void {
  data = d;
}

export function resolve(specifier: string, context: unknown, next: (s: string, c: unknown) => ResolveResult | Promise<ResolveResult>): ResolveResult | Promise<ResolveResult> {
  if (specifier === "board-config") return { url: BOARD_URL, shortCircuit: true };
  if (specifier.startsWith("lazy:")) return { url: LAZY_URL + specifier.slice(5), shortCircuit: true };
  return next(specifier, context);
}

export function load(url: string, context: unknown, next: (u: string, c: unknown) => LoadResult | Promise<LoadResult>): LoadResult | Promise<LoadResult> {
  if (url === BOARD_URL) return { format: "module", source: data.boardSource, shortCircuit: true };
  if (url.startsWith(LAZY_URL)) {
    const file = new URL(url.slice(LAZY_URL.length) + ".ts", data.lazyDir).href;
    return { format: "module", source: `import * as m from ${JSON.stringify(file)};\nexport function load() { return m; }\n`, shortCircuit: true };
  }
  return next(url, context);
}

/*
 * Rollup options for one board's firmware bundle: TypeScript through esbuild (ES2015, no
 * type-check; that is `npm run typecheck`), one IIFE with no import/export left, Espruino's own
 * modules left as `require()` calls, minified by terser for ES2015 with the private names
 * (ending in `_`) mangled. scripts/build.ts drives it for every board; `npx tsx
 * node_modules/rollup/dist/bin/rollup -c` builds the board named by $BOARD (default: all).
 */
import esbuild from "rollup-plugin-esbuild";
import terser from "@rollup/plugin-terser";
import { parse as acornParse } from "acorn";
import * as acornWalk from "acorn-walk";
import { hoistVarsPlugin } from "./scripts/hoist-vars.ts";

/**
 * Names the mangler must never give: the three Espruino reserves although JavaScript allows them
 * (docs/ESPRUINO-GATE.md, "reserved-name"), and four words JavaScript itself treats as keywords
 * in some places.
 */
export const ESPRUINO_RESERVED_NAMES = ["of", "static", "undefined", "let", "yield", "async", "await"];

/**
 * Espruino's own globals that the bundle's mangled top-level names must never take: a top-level
 * `function E(){}` replaces the `E` object for the whole device, the console included.
 */
export const ESPRUINO_GLOBALS = [
  "E", "A0", "LED", "LED1", "LED2", "BTN", "BTN1", "Pin", "NodeMCU", "Serial1", "Serial2", "USB", "Telnet", "I2C1", "SPI1", "SPI2",
  "Modules", "ESP8266", "Wifi", "Storage", "global", "process", "console", "require", "print", "getTime",
  "peek8", "poke8", "peek16", "poke16", "peek32", "poke32", "trace", "dump", "edit", "quit", "interrupt", "say", "E1",
  ...Array.from({ length: 33 }, (_, i) => "D" + i),
];

/** Property names the mangler must never produce: Espruino's EventEmitter and socket API. */
const ESPRUINO_PROPS = ["on", "emit", "write", "end", "read", "pipe", "close", "listen", "send", "bind"];

/**
 * Lazy modules (docs/MEMORY.md rule 4): `import { load } from "lazy:web-stream"` gives a function
 * that returns the exports of firmware/lazy/web-stream.ts, whose code is placed inside `load`'s
 * body. On Espruino a function's inner functions exist only while something holds them, and
 * their code stays in flash, so the module costs one function until `load()` runs and nothing
 * once its result is dropped.
 *
 * A lazy module shares the resident code: the build first makes the bundle without its lazy
 * modules (`residentExports`), and a lazy module's import of names that bundle has stays an
 * import, of the one copy the device holds: a module's state (services/device.ts's `dev`) is
 * the resident one, and a function is not made a second time. What the resident code does not
 * have is bundled into the lazy module, its own copy made at each load, except from a module of
 * the services (firmware/services/, app.ts: they hold state), which is never copied: what a lazy
 * module imports of one is resident.
 */

/**
 * A lazy module's ES bundle as the body of `load()`: its statements, then `return` of an object
 * of its exports (in place of its `export { a as b }`), and apart from them its imports of the
 * resident modules, which go before `load()`. The module's functions are thus made directly in
 * `load`'s scope: Espruino gives each function made under more than one scope a copy of the
 * scope chain (an array: 2 to 4 variables more per function), so every level counts.
 * @param {string} code
 * @returns {{ imports: string, body: string }}
 */
function moduleBody(code) {
  const ast = acornParse(code, { ecmaVersion: 2020, sourceType: "module" });
  let body = "";
  let imports = "";
  let at = 0;
  const exported = [];
  for (const node of ast.body) {
    if (node.type === "ExportNamedDeclaration" && node.declaration === null && node.source === null) {
      for (const sp of node.specifiers) exported.push(`${sp.exported.name}: ${sp.local.name}`);
    } else if (node.type === "ImportDeclaration") {
      imports += code.slice(node.start, node.end) + "\n";
    } else if (node.type.startsWith("Export")) {
      throw new Error(`lazy module: unexpected ${node.type} in its bundle`);
    } else continue;
    body += code.slice(at, node.start);
    at = node.end;
  }
  return { imports, body: body + code.slice(at) + `\nreturn { ${exported.join(", ")} };` };
}

/**
 * The names each module has in the bundle of `input` without its lazy modules (each `lazy:`
 * import a stub): module id -> the exports it keeps.
 * @param {import("rollup").InputOption} input
 * @param {() => import("rollup").Plugin[]} makePlugins
 * @returns {Promise<Map<string, Set<string>>>}
 */
async function residentExports(input, makePlugins) {
  const { rollup } = await import("rollup");
  const stub = {
    name: "lazy-stubs",
    resolveId: (id) => (id.startsWith("lazy:") ? "\0stub:" + id : null),
    load: (id) => (id.startsWith("\0stub:lazy:") ? "export function load() { return {}; }" : null),
  };
  const pre = await rollup({ input, treeshake: { moduleSideEffects: true, propertyReadSideEffects: false }, plugins: [...makePlugins(), stub], onwarn() {} });
  const { output } = await pre.generate({ format: "es" });
  await pre.close();
  const kept = new Map();
  for (const [id, m] of Object.entries(output[0].modules)) if (!id.startsWith("\0")) kept.set(id, new Set(m.renderedExports));
  return kept;
}

/** True for a module that holds state of the device: a lazy module must share it, never copy it. */
const holdsState = (id) => /[\\/]firmware[\\/](services[\\/][^\\/]+|app)\.ts$/.test(id);

/**
 * Makes a lazy module's imports of what the resident bundle has external (kept as imports of the
 * resident copy): every import of a module that holds state (what it imports of it becomes
 * resident), and an import of another resident module whose every name the bundle keeps. Other
 * imports are bundled in.
 * @param {Map<string, Set<string>>} resident
 * @returns {import("rollup").Plugin}
 */
function shareResident(resident) {
  return {
    name: "share-resident",
    async resolveId(source, importer) {
      if (importer === undefined || source.startsWith("lazy:") || source === "board-config") return null;
      const r = await this.resolve(source, importer, { skipSelf: true });
      if (r === null || !resident.has(r.id)) return null;
      const kept = resident.get(r.id);
      const ast = this.getModuleInfo(importer)?.ast;
      const names = [];
      for (const n of ast ? ast.body : []) {
        if ((n.type === "ImportDeclaration" || n.type === "ExportNamedDeclaration") && n.source && n.source.value === source) {
          for (const sp of n.specifiers) names.push(sp.type === "ImportSpecifier" || sp.type === "ExportSpecifier" ? (sp.imported ?? sp.local).name : "*");
        }
      }
      if (holdsState(r.id) || (names.length > 0 && names.every((x) => kept.has(x)))) return { id: r.id, external: "absolute" };
      return null;
    },
  };
}

/**
 * @param {() => import("rollup").Plugin[]} makePlugins the plugins a module's own bundle needs
 * @param {Map<string, Set<string>>} [resident] residentExports (a lazy module's own lazy modules share the bundle's)
 * @returns {import("rollup").Plugin}
 */
function lazyModules(makePlugins, resident) {
  let shared = resident ?? new Map();
  return {
    name: "lazy-modules",
    async buildStart(options) {
      if (resident === undefined) shared = await residentExports(options.input, makePlugins);
    },
    resolveId: (id) => (id.startsWith("lazy:") ? "\0" + id : null),
    async load(id) {
      if (!id.startsWith("\0lazy:")) return null;
      const input = `firmware/lazy/${id.slice(6)}.ts`;
      const { rollup } = await import("rollup");
      const sub = await rollup({
        input,
        treeshake: { moduleSideEffects: true, propertyReadSideEffects: false },
        makeAbsoluteExternalsRelative: false,
        plugins: [shareResident(shared), ...makePlugins(), lazyModules(makePlugins, shared)],
        onwarn(warning, warn) {
          if (warning.code === "UNRESOLVED_IMPORT") throw new Error(warning.message);
          warn(warning);
        },
      });
      for (const f of sub.watchFiles) this.addWatchFile(f);
      const { output } = await sub.generate({ format: "es", esModule: false, freeze: false, generatedCode: { preset: "es2015", arrowFunctions: true, constBindings: true, symbols: false } });
      await sub.close();
      const { imports, body } = moduleBody(output[0].code);
      return `${imports}export function load() {\n${body}\n}\n`;
    },
  };
}

/**
 * Marks every call of a lazy module's `load()` for terser as not to be inlined. Terser inlines a
 * function used once into its caller, and a lazy module's `load()` is usually called once: its
 * whole text then sits inside the caller, which lexes all of it on every call on Espruino even
 * when the branch is not taken (a line's handler lexed 4 KB of rare commands for each READ).
 * @returns {import("rollup").Plugin}
 */
function noInlineLazyLoads() {
  return {
    name: "no-inline-lazy-loads",
    renderChunk(code) {
      return { code: code.replace(/(?<!function )(?<![\w$.])(load(?:\$\d+)?)\(\)/g, "/*@__NOINLINE__*/$1()"), map: null };
    },
  };
}

/**
 * Keeps large functions, and functions with a loop, functions: every call of a function whose
 * text is longer than `maxInlined` characters (before minifying) or that holds a loop is marked
 * for terser as not to be inlined. Terser puts a function called once in place of its call, and
 * one it cannot write as an expression (a loop cannot be) goes there as a function expression;
 * on Espruino a function expression is a function made (its whole text scanned) every time the
 * code around it runs, even in a branch not taken: the request parser was made on every
 * request, and a line's word splitter cost every READ 37 thousand instructions. A function kept
 * costs its variables once (4, and one per parameter); a short one without a loop is inlined as
 * an expression, which saves them and costs little. A call that is a statement of the top level
 * is left to terser: it runs once, so inlining it costs no scan again and frees the function.
 * @param {number} maxInlined
 * @param {string[]} [kept] names of functions kept whatever their size (KEPT_FUNCTIONS)
 * @returns {import("rollup").Plugin}
 */
export function noInlineLargeFunctions(maxInlined, kept = []) {
  return {
    name: "no-inline-large-functions",
    renderChunk(code) {
      const ast = acornParse(code, { ecmaVersion: 2020, sourceType: "module" });
      const large = new Set();
      acornWalk.simple(ast, {
        FunctionDeclaration(n) {
          let loop = false;
          const found = () => {
            loop = true;
          };
          acornWalk.simple(n.body, { ForStatement: found, ForInStatement: found, ForOfStatement: found, WhileStatement: found, DoWhileStatement: found });
          if (loop || n.end - n.start > maxInlined || kept.includes(n.id.name)) large.add(n.id.name);
        },
      });
      // A call that is a statement of the top level runs once (startApp): inlined, its function
      // is made, run and freed, and its variables are not held for the device's life.
      const once = new Set();
      for (const n of ast.body) if (n.type === "ExpressionStatement" && n.expression.type === "CallExpression") once.add(n.expression.start);
      const at = [];
      acornWalk.simple(ast, {
        CallExpression(n) {
          if (n.callee.type === "Identifier" && large.has(n.callee.name) && !once.has(n.start)) at.push(n.start);
        },
      });
      let out = code;
      for (const p of at.sort((a, b) => b - a)) out = out.slice(0, p) + "/*@__NOINLINE__*/" + out.slice(p);
      return { code: out, map: null };
    },
  };
}

/** Characters of a function's text (before minifying) above which it is never inlined (noInlineLargeFunctions). */
export const MAX_INLINED = 400;

/**
 * Small functions kept as functions all the same, each for the call it is kept out of: inlined,
 * its text would be lexed on every call of that caller though it runs only now and then.
 * `webParse`: web.ts's data handler, on every request; the general parser runs for a few
 * (GET /api/status 1% fewer instructions, for 6 variables).
 */
export const KEPT_FUNCTIONS = ["webParse"];

/**
 * Espruino's built-in objects that the interpreter looks up by name in the global scope on every
 * property access that misses (`Object`, for an object's prototype) and every method call on a
 * string, array, function or number: a list walked from its first entry. Espruino adds each at
 * its first use, after everything the bundle has declared by then, so the bundle names them
 * first: on the 1600-variable interpreter GET /api/status went from 13.3 M to 11.7 M instructions
 * in callbacks (docs/MEMORY.md, rule 14). `RegExp` and `Socket` too: every request makes a RegExp
 * and every connection is a Socket, so the variables Espruino makes for them at their first use
 * are part of the device at idle, not left behind by its first session (1,000 mixed sessions:
 * 22 below idle before, 16 after).
 */
export const ROOT_FIRST = ["Object", "String", "Array", "Function", "Number", "JSON", "Math", "process", "E", "RegExp", "Socket"];

/** Puts ROOT_FIRST at the head of the global scope: the bundle's first statement names them. */
function rootFirst() {
  return {
    name: "root-first",
    renderChunk: (code) => ({ code: ROOT_FIRST.join(",") + ";" + code, map: null }),
  };
}

/**
 * @param {{ board: string, boardModule: string, minify?: boolean, sourcePlugins?: import("rollup").Plugin[] }} opts
 *   `sourcePlugins` run first on the sources of the bundle and of every lazy module (tests use
 *   them to build a deliberately broken firmware).
 * @returns {{ input: import("rollup").InputOptions, output: import("rollup").OutputOptions }}
 */
export function createRollupOptions(opts) {
  const virtualId = "\0board-config";
  const plugins = () => [
    ...(opts.sourcePlugins ?? []),
    {
      name: "board-config",
      resolveId: (id) => (id === "board-config" ? virtualId : null),
      load: (id) => (id === virtualId ? opts.boardModule : null),
    },
    esbuild({
      include: /\.ts$/,
      target: "es2015",
      tsconfig: "firmware/tsconfig.json",
      minify: false,
      legalComments: "none",
    }),
  ];
  return {
    input: {
      input: `firmware/main/${opts.board}.ts`,
      treeshake: { moduleSideEffects: true, propertyReadSideEffects: false },
      plugins: [...plugins(), lazyModules(plugins)],
      onwarn(warning, warn) {
        // A firmware import that does not resolve is an error, never an external.
        if (warning.code === "UNRESOLVED_IMPORT") throw new Error(warning.message);
        warn(warning);
      },
    },
    output: {
      // Plain top-level code, not an IIFE: on Espruino a function made under more than one scope
      // gets its own copy of the scope chain (moduleBody above), so the bundle's own top level is
      // the global scope; terser mangles its names (toplevel) to one or two letters.
      format: "es",
      generatedCode: { preset: "es2015", arrowFunctions: true, constBindings: true },
      plugins:
        opts.minify === false
          ? []
          : [
              noInlineLazyLoads(),
              noInlineLargeFunctions(MAX_INLINED, KEPT_FUNCTIONS),
              terser({
                ecma: 2015,
                module: false,
                toplevel: true,
                compress: { passes: 2, hoist_funs: false, hoist_vars: false, unsafe_arrows: false, arrows: true },
                mangle: {
                  reserved: [...ESPRUINO_RESERVED_NAMES, ...ESPRUINO_GLOBALS],
                  properties: { regex: /_$/, reserved: ESPRUINO_PROPS },
                },
                format: { comments: false, ascii_only: true },
              }),
              hoistVarsPlugin(),
              rootFirst(),
            ],
    },
  };
}

export default async function allBoards() {
  const { knownBoards, loadBoard } = await import("./board-configs/index.ts");
  const { boardModuleSource } = await import("./scripts/board-module.ts");
  const { readFileSync } = await import("node:fs");
  const version = JSON.parse(readFileSync("package.json", "utf8")).version;
  const boards = process.env.BOARD ? [process.env.BOARD] : knownBoards();
  return boards.map((name) => {
    const o = createRollupOptions({ board: name, boardModule: boardModuleSource(loadBoard(name), version) });
    return { ...o.input, output: { ...o.output, file: `dist/${name}.js` } };
  });
}

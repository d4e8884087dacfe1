/*
 * ESLint (flat config, typescript-eslint without type information).
 *
 * firmware/ and lib/ run on Espruino: the constructs and built-ins it lacks (docs/ESPRUINO-GATE.md)
 * are banned here, so a mistake points at the TypeScript line; the Espruino gate
 * (scripts/check-bundle, docs/ESPRUINO-GATE.md) checks the built bundle as the last word, and
 * shares its RegExp reader with the `espruino/regexp` rule below; `espruino/loop-closure` reports
 * closures over a for loop's let/const (one shared binding on Espruino). A function used before its
 * declaration is an error (Espruino does not hoist): helpers go above their callers.
 *
 * Layers (README.md, "Layout"): lib/ imports only lib/; firmware/platform/ imports lib/ and itself;
 * firmware/ imports lib/, firmware/ and board-configs/schema.ts (plus the build's `board-config`
 * constants); board-configs/ imports only itself; only scripts/, test-host/, simulator/ and test/
 * reach scripts/ and test-host/. No Node built-ins or npm packages in firmware/ or lib/; only
 * firmware/platform/ calls require() or touches Espruino's globals (E, process, pins, print).
 * Relative imports are matched per folder depth, so `../` is judged by where it really lands.
 *
 * Host code (scripts/, simulator/, test-host/, test/, board-configs/, root configs) gets the
 * recommended rules with Node globals. `.d.ts` files are declarations: no Espruino rules there.
 */
import js from "@eslint/js";
import globals from "globals";
import { builtinModules } from "node:module";
import tseslint from "typescript-eslint";
import { checkRegExp, REGEXP_RULES } from "./scripts/check-bundle/regexp.js";

const NO = "Espruino";

/** no-restricted-syntax entries for what Espruino's parser rejects or runs differently. */
const ESPRUINO_SYNTAX = [
  { selector: "AssignmentPattern", message: `${NO}: no default values (parameters or destructuring): SyntaxError. Test for undefined in the body.` },
  { selector: ":function > RestElement", message: `${NO}: no rest parameters (...args): SyntaxError. Pass an array.` },
  { selector: "SpreadElement", message: `${NO}: no spread (...x) in calls, arrays or objects: SyntaxError. Use apply, concat or Object.assign.` },
  { selector: "ObjectPattern", message: `${NO}: no destructuring {a} = o: ReferenceError. Read the properties one by one.` },
  { selector: "ArrayPattern", message: `${NO}: no destructuring [a] = arr: ReferenceError. Index the array.` },
  { selector: ":matches(Property, MethodDefinition, PropertyDefinition)[computed=true]", message: `${NO}: no computed keys {[k]: v}: SyntaxError. Assign o[k] = v after creating the object.` },
  { selector: "LabeledStatement", message: `${NO}: no labels: ReferenceError. Use a flag or a function with return.` },
  { selector: ":matches(BreakStatement, ContinueStatement)[label]", message: `${NO}: no break/continue to a label.` },
  { selector: ":function[generator=true]", message: `${NO}: no generators (function*): SyntaxError, and no iterator protocol.` },
  { selector: ":function[async=true]", message: `${NO}: no async functions (esbuild turns them into generators). Use callbacks or Promise.then.` },
  { selector: "AwaitExpression", message: `${NO}: no await. Use Promise.then.` },
  { selector: "ForOfStatement[await=true]", message: `${NO}: no for await.` },
  { selector: "BinaryExpression[operator='**'], AssignmentExpression[operator='**=']", message: `${NO}: no ** operator: SyntaxError. Use Math.pow.` },
  { selector: "ChainExpression", message: `${NO}: no optional chaining ?.: SyntaxError. Test with && or an if.` },
  { selector: "AssignmentExpression[operator=/^(\\?\\?|\\|\\||&&)=$/]", message: `${NO}: no logical assignment (??=, ||=, &&=): SyntaxError. Write a = a ?? b.` },
  { selector: "PropertyDefinition[value]", message: `${NO}: no class field initialisers (they live on the shared prototype). Declare the field's type and assign it in the constructor.` },
  { selector: ":matches(AccessorProperty, TSAbstractAccessorProperty)", message: `${NO}: no accessor fields.` },
  { selector: "StaticBlock", message: `${NO}: no static blocks: SyntaxError.` },
  { selector: "PrivateIdentifier", message: `${NO}: no #private names: SyntaxError. Use a name ending in _ (the minifier mangles it).` },
  { selector: "TaggedTemplateExpression", message: `${NO}: no tagged templates: SyntaxError.` },
  { selector: "Literal[raw=/\\\\u\\{/], TemplateElement[value.raw=/\\\\u\\{/]", message: `${NO}: no \\u{...} escapes: "Invalid escape sequence".` },
  { selector: "Property > FunctionExpression Super", message: `${NO}: no super in object-literal methods: "Calling 'super' outside of class".` },
  { selector: ":matches(ClassDeclaration, ClassExpression)[superClass][superClass.type!='Identifier']", message: `${NO}: extends must be followed by a plain identifier.` },
  {
    selector: ":matches(ClassDeclaration, ClassExpression) > Identifier.superClass[name=/^(Error|TypeError|SyntaxError|ReferenceError|InternalError|RangeError|Array|Object|Function|String|Number|Boolean|Promise|RegExp|Date|ArrayBuffer|DataView|[A-Z][a-z0-9]*Array)$/]",
    message: `${NO}: a class cannot extend a built-in: super() into it is "Calling 'super' outside of class". Return error codes or plain objects.`,
  },
  { selector: "SwitchCase:not([test]) ~ SwitchCase", message: `${NO}: no case after default: "CASE after DEFAULT unsupported". Put default last.` },
  { selector: "MetaProperty", message: `${NO}: no new.target / import.meta: SyntaxError.` },
  { selector: "Literal[bigint]", message: `${NO}: no BigInt: SyntaxError.` },
  { selector: "WithStatement", message: `${NO}: no with.` },
  { selector: "ImportExpression", message: `${NO}: no dynamic import(): the bundle is one script.` },
  { selector: "Decorator", message: `${NO}: no decorators (they compile to helper code).` },
  {
    selector: "ForOfStatement > CallExpression.right[arguments.length=0] > MemberExpression.callee > Identifier.property[name=/^(keys|values|entries)$/]",
    message: `${NO}: no iterator protocol and no Array keys/values/entries: iterate the array itself or Object.keys(o).`,
  },
  {
    selector:
      ":matches(VariableDeclarator > Identifier.id, :function > Identifier.params, :function > Identifier.id, CatchClause > Identifier.param, ClassDeclaration > Identifier.id, TSParameterProperty > Identifier.parameter)[name=/^(of|static|undefined)$/]",
    message: `${NO}: "of", "static" and "undefined" are reserved names there.`,
  },
  { selector: "ArrowFunctionExpression Identifier[name='arguments']:not(MemberExpression > Identifier.property)", message: `${NO}: arguments inside an arrow function is not the outer function's arguments (it is undefined).` },
  { selector: "Identifier[name=/^.{64,}$/]", message: `${NO}: identifiers are truncated to 63 characters.` },
  { selector: "Literal[value=/[^\\u0000-\\u00ff]/], TemplateElement[value.cooked=/[^\\u0000-\\u00ff]/]", message: `${NO}: ESP8266 strings are bytes: a character above U+00FF is cut to its low byte. Keep firmware strings Latin-1 (serve other text from Storage).` },
  { selector: "CallExpression[callee.object.name='JSON'][callee.property.name='parse'][arguments.length>1]", message: `${NO}: JSON.parse ignores a reviver.` },
  {
    selector: "CallExpression[callee.object.name='JSON'][callee.property.name='stringify'][arguments.length>1]:not([arguments.1.raw='null']):not([arguments.1.name='undefined'])",
    message: `${NO}: JSON.stringify ignores a replacer (use null).`,
  },
];

const REQUIRE_OUTSIDE_PLATFORM = {
  selector: "CallExpression[callee.name='require']",
  message: "Only firmware/platform/ calls require(): Espruino's modules stay behind the platform's interfaces.",
};

const MISSING_GLOBALS = [
  ...["Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry"].map((name) => ({ name, message: `${NO} has no ${name}: use plain objects, arrays or typed arrays.` })),
  ...["Symbol", "Proxy", "Reflect", "BigInt", "Intl", "structuredClone"].map((name) => ({ name, message: `${NO} has no ${name}.` })),
  ...["RangeError", "EvalError", "URIError", "AggregateError"].map((name) => ({ name, message: `${NO} has no ${name}: use Error/TypeError, or return an error code.` })),
  ...["setImmediate", "clearImmediate", "queueMicrotask"].map((name) => ({ name, message: `${NO} has no ${name}: use setTimeout(fn, 0).` })),
];

/** Espruino's API: only firmware/platform/ may touch it. */
const ESPRUINO_API_GLOBALS = ["E", "process", "print", "require", "Pin", "digitalWrite", "digitalRead", "pinMode", "analogRead", "analogWrite", "setWatch", "global"].map((name) => ({
  name,
  message: `Only firmware/platform/ touches Espruino's API (${name}); take what you need through a platform interface.`,
}));

/** lib/ is pure: also no timers, clock or console. */
const IMPURE_GLOBALS = ["setTimeout", "setInterval", "clearTimeout", "clearInterval", "getTime", "console", "globalThis"].map((name) => ({
  name,
  message: `lib/ is pure (no timers, clock, console or globals): take ${name} from the caller.`,
}));

const MISSING_PROPERTIES = [
  ...[["Array", "from"], ["Array", "of"], ["Object", "freeze"], ["Object", "seal"], ["Object", "is"], ["Object", "hasOwn"],
    ["Number", "isInteger"], ["Number", "isFinite"], ["Number", "isNaN"], ["Number", "EPSILON"], ["Number", "MAX_SAFE_INTEGER"],
    ["Math", "trunc"], ["Math", "log2"], ["Math", "log10"], ["Math", "hypot"], ["Math", "cbrt"],
    ["Promise", "race"], ["Promise", "allSettled"], ["Promise", "any"], ["String", "raw"], ["process", "nextTick"], ["process", "exit"]]
    .map(([object, property]) => ({ object, property, message: `${NO} has no ${object}.${property}.` })),
  ...["flat", "flatMap", "at", "finally", "trimStart", "trimEnd", "codePointAt", "localeCompare", "reduceRight", "findLast", "findLastIndex", "toPrecision"]
    .map((property) => ({ property, message: `${NO}'s built-ins have no .${property}().` })),
];

/** once/off are fine as the firmware's own methods; on an emitter they take an event name first. */
const EMITTER_ONCE_OFF = {
  selector: "CallExpression[arguments.0.type='Literal'] > MemberExpression.callee > Identifier.property[name=/^(once|off)$/]",
  message: `${NO}'s EventEmitter has no once/off: use on() and removeListener()/removeAllListeners().`,
};

/** `espruino/regexp`: the gate's RegExp reader on regex literals and RegExp("literal"). */
const REGEXP_WHY = Object.fromEntries(REGEXP_RULES.map((r) => [r.id, r.why]));
const espruinoPlugin = {
  meta: { name: "espruino-local" },
  rules: {
    regexp: {
      meta: { type: "problem", docs: { description: "RegExp features Espruino's matcher silently gets wrong" }, schema: [] },
      create(context) {
        const src = context.sourceCode;
        function check(node, pattern, flags, patternStart) {
          for (const f of checkRegExp(pattern, flags, patternStart !== null)) {
            if (f.rule === "unicode-code-point-escape") continue; // no-restricted-syntax reports it
            const at = patternStart !== null && f.index >= 0 ? patternStart + f.index : node.range[0];
            const loc = src.getLocFromIndex(at);
            context.report({ node, loc, message: `${NO} RegExp: ${f.construct} — ${REGEXP_WHY[f.rule]} (${f.rule}).` });
          }
        }
        return {
          Literal(node) {
            if (node.regex) check(node, node.regex.pattern, node.regex.flags, node.range[0] + 1);
          },
          "NewExpression[callee.name='RegExp'], CallExpression[callee.name='RegExp']"(node) {
            const [p, f] = node.arguments;
            if (p && p.type === "Literal" && typeof p.value === "string") {
              check(node, p.value, f && f.type === "Literal" && typeof f.value === "string" ? f.value : "", null);
            }
          },
        };
      },
    },
    "loop-closure": {
      meta: { type: "problem", docs: { description: "closures over a for loop's let/const binding, which Espruino shares across iterations" }, schema: [] },
      create(context) {
        const SYNC = new Set(["forEach", "map", "filter", "some", "every", "reduce", "find", "findIndex", "sort", "replace", "replaceAll"]);
        const isFn = (n) => n.type === "FunctionExpression" || n.type === "ArrowFunctionExpression" || n.type === "FunctionDeclaration";
        const runsInPlace = (fn) => {
          const p = fn.parent;
          if (!p || (p.type !== "CallExpression" && p.type !== "NewExpression")) return false;
          if (p.callee === fn) return true;
          return p.callee.type === "MemberExpression" && !p.callee.computed && SYNC.has(p.callee.property.name);
        };
        function check(loop, decl) {
          if (!decl || decl.type !== "VariableDeclaration" || decl.kind === "var") return;
          const reported = new Set();
          for (const v of context.sourceCode.getDeclaredVariables(decl)) {
            for (const ref of v.references) {
              let fn = null;
              let cur = ref.identifier.parent;
              while (cur && cur !== loop) {
                if (isFn(cur) && !runsInPlace(cur)) fn = cur;
                cur = cur.parent;
              }
              if (!fn || cur !== loop || reported.has(fn)) continue;
              reported.add(fn);
              context.report({ node: fn, message: `${NO}: a for loop's let/const is one binding for the whole loop; this function sees "${v.name}" as it is after the loop. Move the body into a function called with the value, or use forEach.` });
            }
          }
        }
        return {
          ForStatement: (n) => check(n, n.init),
          ForInStatement: (n) => check(n, n.left),
          ForOfStatement: (n) => check(n, n.left),
        };
      },
    },
  },
};

// --- Layers: no-restricted-imports per folder and depth ------------------------------------------

const NODE_BUILTINS = `^(node:|(${builtinModules.filter((m) => !m.startsWith("_")).map((m) => m.replace(/[/.]/g, "\\$&")).join("|")})(/|$))`;
const up = (n) => `^(\\./)?(\\.\\./){${n}}`;

/**
 * Patterns for a file `depth` folders below the root in `layer`.
 * @param {"lib" | "platform" | "firmware" | "board-configs"} layer
 */
function layerPatterns(layer, depth) {
  const nodeBan = { regex: NODE_BUILTINS, message: "No Node built-ins in firmware/ or lib/: they do not exist on Espruino." };
  const outside = { regex: `${up(depth + 1)}`, message: "This import leaves the project." };
  if (layer === "lib") {
    return [
      nodeBan,
      { regex: "^[^.]", message: "lib/ imports only lib/ (relative paths): no packages, no board-config, no Espruino modules." },
      { regex: `${up(depth)}(?!lib/|\\.\\./)`, message: "lib/ imports only lib/ (README.md, \"Layout\")." },
      outside,
    ];
  }
  if (layer === "board-configs") {
    return [{ regex: `${up(depth)}`, message: "board-configs/ imports only the schema (and its own folder)." }];
  }
  const common = [
    nodeBan,
    { regex: "^(?!\\.|board-config$|lazy:[a-z-]+$|node:)", message: "firmware/ imports no npm packages; Espruino's modules come through require() in firmware/platform/." },
    outside,
  ];
  if (layer === "platform") {
    return [
      ...common,
      { regex: `${up(depth - 1)}(?!platform/|\\.\\./)`, message: "firmware/platform/ imports only lib/ and firmware/platform/ (README.md, \"Layout\"): never services." },
      { regex: `${up(depth)}(?!lib/|\\.\\./)`, message: "firmware/platform/ imports only lib/ and firmware/platform/ (README.md, \"Layout\")." },
    ];
  }
  return [
    ...common,
    { regex: `${up(depth)}(?!lib/|board-configs/schema\\.ts$|\\.\\./)`, message: "firmware/ imports only lib/, firmware/ and board-configs/schema.ts (README.md, \"Layout\"): never scripts/, test-host/ or simulator/." },
  ];
}

function layerConfigs() {
  const out = [];
  for (let depth = 1; depth <= 6; depth++) {
    const below = "*/".repeat(depth - 1);
    out.push({ name: `layers/lib/${depth}`, files: [`lib/${below}*.ts`], rules: { "no-restricted-imports": ["error", { patterns: layerPatterns("lib", depth) }] } });
    out.push({
      name: `layers/firmware/${depth}`,
      files: [`firmware/${below}*.ts`],
      ignores: ["firmware/platform/**"],
      rules: { "no-restricted-imports": ["error", { patterns: layerPatterns("firmware", depth) }] },
    });
    if (depth >= 2) {
      out.push({
        name: `layers/platform/${depth}`,
        files: [`firmware/platform/${"*/".repeat(depth - 2)}*.ts`],
        rules: { "no-restricted-imports": ["error", { patterns: layerPatterns("platform", depth) }] },
      });
    }
  }
  out.push({ name: "layers/board-configs", files: ["board-configs/*.ts"], rules: { "no-restricted-imports": ["error", { patterns: layerPatterns("board-configs", 1) }] } });
  return out;
}

const HOST_FILES = ["scripts/**/*.{ts,js}", "simulator/**/*.{ts,js}", "test-host/**/*.{ts,js}", "test/**/*.{ts,js}", "board-configs/**/*.ts", "*.{js,ts,mjs}"];
const DEVICE_FILES = ["firmware/**/*.ts", "lib/**/*.ts"];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "test/fixtures/**", "artifacts/**", ".sim-state/**", "**/*.min.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    name: "all/common",
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // `\/` inside a class is needed by Espruino's lexer (rule regexp-slash-in-class).
      "no-useless-escape": ["error", { allowRegexCharacters: ["/"] }],
    },
  },
  {
    name: "host",
    files: HOST_FILES,
    ignores: ["scripts/bench-cpu/**/*.js"],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    name: "browser",
    files: ["firmware/web/**/*.js"],
    languageOptions: { globals: { ...globals.browser }, sourceType: "script" },
  },
  {
    // Plain Espruino programs run as they are (scripts/bench-cpu/tutorial.js): a script with
    // Espruino's globals and its syntax limits, free to call require() for Espruino's modules.
    name: "espruino-scripts",
    files: ["scripts/bench-cpu/**/*.js"],
    plugins: { espruino: espruinoPlugin },
    languageOptions: {
      sourceType: "script",
      globals: Object.fromEntries(["E", "process", "print", "require", "getTime", "url", "setTimeout", "setInterval", "clearTimeout", "clearInterval", "console"].map((g) => [g, "readonly"])),
    },
    rules: {
      "no-restricted-syntax": ["error", ...ESPRUINO_SYNTAX, EMITTER_ONCE_OFF],
      "no-restricted-globals": ["error", ...MISSING_GLOBALS],
      "no-restricted-properties": ["error", ...MISSING_PROPERTIES],
      "espruino/regexp": "error",
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    name: "device/espruino",
    files: DEVICE_FILES,
    plugins: { espruino: espruinoPlugin },
    languageOptions: { globals: {} },
    rules: {
      "no-restricted-syntax": ["error", ...ESPRUINO_SYNTAX, EMITTER_ONCE_OFF, REQUIRE_OUTSIDE_PLATFORM],
      "no-restricted-globals": ["error", ...MISSING_GLOBALS, ...ESPRUINO_API_GLOBALS],
      "no-restricted-properties": ["error", ...MISSING_PROPERTIES],
      "espruino/regexp": "error",
      "espruino/loop-closure": "error",
      "no-use-before-define": "off",
      "@typescript-eslint/no-use-before-define": ["error", { functions: true, classes: true, variables: true, enums: true, typedefs: false, ignoreTypeReferences: true, allowNamedExports: false }],
      // These push towards what Espruino lacks (rest, spread, Object.hasOwn).
      "prefer-rest-params": "off",
      "prefer-spread": "off",
      "prefer-object-has-own": "off",
      "no-undef": "off", // TypeScript checks names against firmware/platform/espruino.d.ts
    },
  },
  {
    // The services call Espruino's globals (getTime, print, process.memory, Storage) directly:
    // on Espruino a wrapper is one more function to look up and lex on every event
    // (docs/MEMORY.md, "The shape"). Their unit tests fake those globals
    // (test/helpers/firmware-hooks.ts). References to functions defined further down are
    // safe there: every call runs after the whole bundle has been evaluated, and the gate
    // (scripts/check-bundle) rejects a call made before its function exists.
    name: "device/services-espruino-api",
    // The lazy modules are parts of the services loaded apart: they call the globals as the resident services do.
    files: ["firmware/services/**/*.ts", "firmware/app.ts", "firmware/lazy/*.ts"],
    rules: {
      "no-restricted-syntax": ["error", ...ESPRUINO_SYNTAX, EMITTER_ONCE_OFF],
      "no-restricted-globals": ["error", ...MISSING_GLOBALS],
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-use-before-define": ["error", { functions: false, classes: true, variables: false, enums: true, typedefs: false, ignoreTypeReferences: true, allowNamedExports: false }],
      "@typescript-eslint/no-this-alias": "off",
      // Header and command checks match control bytes on purpose.
      "no-control-regex": "off",
    },
  },
  {
    name: "device/platform",
    files: ["firmware/platform/**/*.ts"],
    rules: {
      "no-restricted-syntax": ["error", ...ESPRUINO_SYNTAX, EMITTER_ONCE_OFF],
      "no-restricted-globals": ["error", ...MISSING_GLOBALS],
      "@typescript-eslint/no-require-imports": "off", // Espruino's require("net"), not CommonJS
    },
  },
  {
    name: "device/lib-pure",
    files: ["lib/**/*.ts"],
    rules: { "no-restricted-globals": ["error", ...MISSING_GLOBALS, ...ESPRUINO_API_GLOBALS, ...IMPURE_GLOBALS] },
  },
  ...layerConfigs(),
  {
    name: "declarations",
    files: ["**/*.d.ts"],
    rules: {
      "no-restricted-syntax": "off",
      "no-restricted-globals": "off",
      "no-restricted-properties": "off",
      "@typescript-eslint/no-use-before-define": "off",
      "no-var": "off",
      "@typescript-eslint/no-unused-vars": "off",
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
);

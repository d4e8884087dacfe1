/*
 * The Espruino gate (scripts/check-bundle): every rule's fixture fails that rule at the places
 * its first line names (`// expect <rule>: line:col, ...`), the clean fixture and the real
 * bundles pass, the budget is enforced, and the CLI's exit codes and line format hold.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { knownBoards } from "../../board-configs/index.ts";
import { buildBoard } from "../../scripts/build.ts";
import { renderGateDoc } from "../../scripts/check-bundle/docs.ts";
import { checkBundle, formatProblems, RULES } from "../../scripts/check-bundle/index.ts";

const DIR = "test/fixtures/gate";
const FIXTURE_BUDGET = 64;

interface Fixture {
  file: string;
  code: string;
  rule: string;
  at: string[];
}

function fixtures(): Fixture[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith(".js") && f !== "clean.js")
    .sort()
    .map((f) => {
      const code = readFileSync(join(DIR, f), "utf8");
      const m = /^\/\/ expect ([a-z0-9-]+): (.*)\n/.exec(code);
      assert.ok(m, `${f} must start with "// expect <rule>: line:col, ..."`);
      return { file: f, code, rule: m[1], at: m[2].split(",").map((s) => s.trim()) };
    });
}

function check(f: Fixture) {
  return checkBundle(f.code, { file: f.file, budgetBytes: f.rule === "bundle-budget" ? FIXTURE_BUDGET : undefined });
}

for (const f of fixtures()) {
  test(`gate: ${f.file} fails ${f.rule} at ${f.at.join(", ")} and nothing else`, () => {
    const problems = check(f);
    assert.deepEqual(
      problems.map((p) => `${p.rule} ${p.line}:${p.column}`),
      f.at.map((at) => `${f.rule} ${at}`),
      formatProblems(problems),
    );
  });
}

test("gate: every rule in the table has a fixture that fails it", () => {
  const covered = new Set(fixtures().map((f) => f.rule));
  const missing = RULES.filter((r) => !covered.has(r.id)).map((r) => r.id);
  assert.deepEqual(missing, []);
});

test("gate: every rule's one-line example in the table fails that rule only", () => {
  for (const r of RULES) {
    if (r.id === "bundle-budget") continue;
    const rules = new Set(checkBundle(r.example, { file: "example.js" }).map((p) => p.rule));
    assert.deepEqual([...rules], [r.id], `example of ${r.id}: ${r.example}`);
  }
});

test("gate: clean.js, written with what Espruino supports, passes", () => {
  const problems = checkBundle(readFileSync(join(DIR, "clean.js"), "utf8"), { file: "clean.js", budgetBytes: 40960 });
  assert.equal(formatProblems(problems), "");
});

test("gate: every board's real built bundle passes, within its budget", async () => {
  const out = mkdtempSync(join(tmpdir(), "gate-build-"));
  try {
    const results = await Promise.all(knownBoards().map((board) => buildBoard(board, { outDir: out })));
    assert.ok(results.length >= 4);
    for (const r of results) {
      const problems = checkBundle(readFileSync(r.file, "utf8"), { file: r.file, budgetBytes: r.budget });
      assert.equal(formatProblems(problems), "", r.board);
      assert.equal(r.problems, 0);
      assert.ok(r.bytes > 0);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("gate: a bundle over its budget fails with its size and the budget; at the budget it passes", () => {
  const code = "var a = 1;\n"; // 11 bytes
  const over = checkBundle(code, { file: "b.js", budgetBytes: 10 });
  assert.equal(over.length, 1);
  assert.equal(over[0].rule, "bundle-budget");
  assert.match(over[0].message, /bundle of 11 bytes, over the budget of 10 bytes by 1/);
  assert.deepEqual(checkBundle(code, { file: "b.js", budgetBytes: 11 }), []);
});

test("gate: the budget counts UTF-8 bytes, not characters", () => {
  const code = 'var s = "\u00e9";\n'; // é is 2 bytes in UTF-8: 13 characters, 14 bytes
  assert.equal(checkBundle(code, { file: "u.js", budgetBytes: 13 })[0]?.rule, "bundle-budget");
  assert.deepEqual(checkBundle(code, { file: "u.js", budgetBytes: 14 }), []);
});

test("gate: a function called from an IIFE before its declaration fails, naming the chain", () => {
  const f = fixtures().find((x) => x.file === "use-before-declaration-iife.js") as Fixture;
  const problems = check(f);
  assert.equal(problems.length, 1);
  assert.equal(`${problems[0].line}:${problems[0].column}`, f.at[0]);
  assert.match(problems[0].message, /"banner" called before its declaration at 7:3 has run \(reached through an immediately-invoked function/);
});

test("gate: a function reached through a chain of two calls before its declaration fails", () => {
  const f = fixtures().find((x) => x.file === "use-before-declaration-chain.js") as Fixture;
  const problems = check(f);
  assert.equal(problems.length, 1);
  assert.match(problems[0].message, /"listen" called before its declaration at 7:1 has run \(reached through boot\(\) at 6:1 → wire\(\) at 2:20\)/);
});

test("gate: a real syntax error is one problem at its line and column", () => {
  const problems = checkBundle("var a = 1;\nvar b = (;\n", { file: "s.js" });
  assert.deepEqual(problems.map((p) => `${p.rule} ${p.line}:${p.column}`), ["syntax-error 2:10"]);
});

test("gate: each problem prints as file:line:col: rule: construct — reason", () => {
  const line = formatProblems(checkBundle("var x = 2 ** 8;", { file: "dist/x.js" }));
  assert.equal(line, "dist/x.js:1:11: exponent: ** operator — SyntaxError `Got '*' expected EOF`; use Math.pow");
});

test("gate: docs/ESPRUINO-GATE.md is the rendering of the rule table (regenerate with --docs)", () => {
  assert.equal(readFileSync("docs/ESPRUINO-GATE.md", "utf8"), renderGateDoc());
});

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/check-bundle.ts", ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("check-bundle CLI: exits 0 and says ok for a clean bundle", () => {
  const r = cli([join(DIR, "clean.js"), "--budget", "40960"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /clean\.js: ok \(\d+ bytes, budget 40960\)/);
});

test("check-bundle CLI: exits 1 and prints file:line:col: rule: construct — reason", () => {
  const r = cli([join(DIR, "exponent.js")]);
  assert.equal(r.code, 1);
  assert.match(r.out, /^test\/fixtures\/gate\/exponent\.js:2:13: exponent: \*\* operator — SyntaxError/m);
});

test("check-bundle CLI: takes the budget from --board when --budget is absent", () => {
  const r = cli([join(DIR, "clean.js"), "--board", "nodemcu"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /budget 40960/);
});

test("check-bundle CLI: exits 1 when over --budget", () => {
  const r = cli([join(DIR, "clean.js"), "--budget", "100"]);
  assert.equal(r.code, 1);
  assert.match(r.out, /clean\.js:1:1: bundle-budget: bundle of \d+ bytes, over the budget of 100 bytes/);
});

test("check-bundle CLI: exits 2 on usage errors (no file, bad budget, unknown board, missing file)", () => {
  assert.equal(cli([]).code, 2);
  assert.equal(cli([join(DIR, "clean.js"), "--budget", "lots"]).code, 2);
  const board = cli([join(DIR, "clean.js"), "--board", "no-such-board"]);
  assert.equal(board.code, 2);
  assert.match(board.err, /known boards: /);
  assert.equal(cli(["no/such/file.js"]).code, 2);
});

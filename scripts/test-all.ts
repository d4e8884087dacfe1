/*
 * `npm test`: every tier the project has, in order, ending with one line `N passed, N failed`.
 *
 *   typecheck   TypeScript 7 over lib/, firmware/ and host code (scripts/typecheck.ts)
 *   lint        ESLint: Espruino's language limits in the source, and the layer rules
 *   build       every board's bundle, each through the Espruino gate and its byte budget
 *   tests       node:test files under test/ (unit, simulator end-to-end, harness, browser)
 *
 * A stage counts as one test; the node:test stage adds its own tests' counts. Skipped tests are
 * reported as skipped, never as passed. `--only <stage>` runs one stage.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

const tally: Tally = { passed: 0, failed: 0, skipped: 0 };
const failures: string[] = [];

function stage(name: string, cmd: string, args: string[]): boolean {
  process.stdout.write(`\n=== ${name}: ${[cmd, ...args].join(" ")}\n`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: process.env });
  const ok = r.status === 0;
  if (ok) tally.passed++;
  else {
    tally.failed++;
    failures.push(name);
  }
  process.stdout.write(`=== ${name}: ${ok ? "ok" : "FAILED"}\n`);
  return ok;
}

/** Every *.test.ts under `dir`, sorted. */
export function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (entry === "fixtures" || entry === "node_modules") continue;
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (entry.endsWith(".test.ts")) out.push(p);
  }
  return out.sort();
}

function nodeTests(files: string[]): void {
  process.stdout.write(`\n=== tests: ${files.length} files under test/\n`);
  if (files.length === 0) {
    tally.failed++;
    failures.push("tests (no test files found)");
    return;
  }
  const tap = join(mkdtempSync(join(tmpdir(), "espfw-test-")), "results.tap");
  const r = spawnSync(
    process.execPath,
    [
      "--import", "tsx",
      "--test",
      "--test-concurrency=2",
      "--test-reporter=spec", "--test-reporter-destination=stdout",
      "--test-reporter=tap", `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { stdio: "inherit", env: process.env },
  );
  const text = readFileSync(tap, "utf8");
  const count = (label: string): number => {
    const m = new RegExp(`^# ${label} (\\d+)$`, "m").exec(text);
    return m ? Number(m[1]) : 0;
  };
  const pass = count("pass");
  const fail = count("fail") + count("cancelled");
  const skip = count("skipped") + count("todo");
  tally.passed += pass;
  tally.failed += fail;
  tally.skipped += skip;
  if (fail > 0 || r.status !== 0) {
    failures.push(`tests (${fail} failed)`);
    if (fail === 0) {
      tally.failed++;
    }
  }
}

const argv = process.argv.slice(2);
const only = argv.indexOf("--only") >= 0 ? argv[argv.indexOf("--only") + 1] : undefined;
const run = (s: string): boolean => only === undefined || only === s;

if (run("typecheck")) stage("typecheck", process.execPath, ["--import", "tsx", "scripts/typecheck.ts"]);
if (run("lint")) stage("lint", process.execPath, ["node_modules/eslint/bin/eslint.js", "."]);
if (run("build")) stage("build", process.execPath, ["--import", "tsx", "scripts/build.ts"]);
if (run("tests")) nodeTests(findTests("test"));

if (failures.length > 0) process.stdout.write(`\nFailed: ${failures.join(", ")}\n`);
if (!process.env.ESPRUINO_BIN) {
  process.stdout.write("\nESPRUINO_BIN is not set: the real-interpreter tier was skipped (see README).\n");
}
process.stdout.write(`\n${tally.passed} passed, ${tally.failed} failed${tally.skipped ? `, ${tally.skipped} skipped` : ""}\n`);
process.exit(tally.failed === 0 ? 0 : 1);

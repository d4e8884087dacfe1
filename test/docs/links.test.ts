/*
 * A clone stands on its own: every relative link in the project's Markdown resolves to a file
 * inside the repository, and no file points outside it (the team's shared folder is not part of
 * a clone).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";

const root = process.cwd();
const tracked = execFileSync("git", ["ls-files"], { encoding: "utf8" }).split("\n").filter((f) => f !== "" && existsSync(f));

test("every relative Markdown link resolves to a file inside the repository", () => {
  const bad: string[] = [];
  for (const file of tracked.filter((f) => f.endsWith(".md"))) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1].split("#")[0];
      if (target === "" || /^[a-z]+:/i.test(target)) continue;
      const abs = resolve(dirname(file), target);
      const rel = relative(root, abs);
      if (rel.startsWith("..") || !existsSync(abs)) bad.push(`${file}: ${m[1]}`);
    }
  }
  assert.deepEqual(bad, []);
});

test("no file of the repository points at the shared folder outside it", () => {
  const bad = tracked.filter((f) => !f.startsWith("test/docs/") && /\.(md|ts|js|json|sh)$/.test(f) && readFileSync(join(root, f), "utf8").includes("../shared/"));
  assert.deepEqual(bad, []);
});

/*
 * A clone stands on its own: every relative link in the project's Markdown resolves to a file
 * inside the repository (and to a heading of it, when the link names one), no file points
 * outside it (the team's shared folder is not part of a clone), no file cites a document the
 * repository does not hold, and a code comment that cites a doc's section names a heading the
 * doc has.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative, resolve } from "node:path";
import { test } from "node:test";

const root = process.cwd();
const tracked = execFileSync("git", ["ls-files"], { encoding: "utf8" }).split("\n").filter((f) => f !== "" && existsSync(f));
const trackedSet = new Set(tracked);

/** Tracked text files: everything but binary files and the lock file (names of packages, not of docs). */
const textFiles = tracked.filter((f) => f !== "package-lock.json" && !readFileSync(join(root, f)).includes(0));

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1].toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** A heading's text without its Markdown: backticks, links and emphasis dropped. */
function headings(markdown: string): string[] {
  return [...markdown.matchAll(/^#{1,6}\s+(.+?)\s*$/gm)].map((m) => m[1].replace(/[`*_]/g, "").replace(/\[([^\]]*)\]\([^)]*\)/g, "$1"));
}

test("every relative Markdown link resolves to a file inside the repository, and its #anchor to a heading there", () => {
  const bad: string[] = [];
  for (const file of tracked.filter((f) => f.endsWith(".md"))) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const [target, anchor] = m[1].split("#");
      if (/^[a-z]+:/i.test(target)) continue;
      const abs = target === "" ? resolve(file) : resolve(dirname(file), target);
      const rel = relative(root, abs);
      if (rel.startsWith("..") || !existsSync(abs)) bad.push(`${file}: ${m[1]}`);
      else if (anchor !== undefined && abs.endsWith(".md") && !anchors(readFileSync(abs, "utf8")).has(anchor)) bad.push(`${file}: ${m[1]} (no such heading)`);
    }
  }
  assert.deepEqual(bad, []);
});

test("no file of the repository points at the shared folder outside it", () => {
  const bad = textFiles.filter((f) => {
    if (f.startsWith("test/docs/")) return false;
    const text = readFileSync(join(root, f), "utf8");
    return text.includes("../shared/") || text.includes("/work/shared");
  });
  assert.deepEqual(bad, []);
});

// The three documents the project once cited from outside the repository; spelled in pieces so
// that this file does not cite them itself.
const OUTSIDE_DOCS = ["SPEC", "ESPRUINO", "DESIGN"];

test("no tracked text file names one of the documents kept outside the repository, unless the repository has it", () => {
  const names = new RegExp(`[\\w./-]*\\b(?:${OUTSIDE_DOCS.join("|")})\\.md\\b`, "gi");
  const bad: string[] = [];
  for (const file of textFiles) {
    const lines = readFileSync(join(root, file), "utf8").split("\n");
    lines.forEach((line, i) => {
      for (const m of line.matchAll(names)) {
        const path = m[0].replace(/^\.\//, "");
        const here = normalize(join(dirname(file), path));
        if (!trackedSet.has(here) && !trackedSet.has(normalize(path))) bad.push(`${file}:${i + 1}: ${m[0]}`);
      }
    });
  }
  assert.deepEqual(bad, []);
});

test("a code comment that cites a doc's section, as `docs/X.md, \"Heading\"`, names a heading that doc has", () => {
  const bad: string[] = [];
  for (const file of textFiles.filter((f) => /\.(ts|js|mjs|cjs)$/.test(f))) {
    const text = readFileSync(join(root, file), "utf8");
    for (const m of text.matchAll(/((?:docs\/)?[\w./-]*\.md), "([^"]+)"/g)) {
      const near = normalize(join(dirname(file), m[1]));
      const doc = trackedSet.has(near) ? near : normalize(m[1]);
      const section = m[2].replace(/\s*\n\s*(?:\*|\/\/)?\s*/g, " ");
      if (!trackedSet.has(doc)) {
        bad.push(`${file}: ${doc} (no such file)`);
        continue;
      }
      if (!headings(readFileSync(join(root, doc), "utf8")).some((h) => h.startsWith(section))) bad.push(`${file}: ${doc}, "${section}" (no such heading)`);
    }
  }
  assert.deepEqual(bad, []);
});

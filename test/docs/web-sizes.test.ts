/*
 * docs/WEB.md's sizes are the build's: the page table, the w.idx example and the Storage total
 * against a web build of the pages as they are, the bundle's size against dist/sim.js. A page that grows
 * fails here with the figure to write, instead of leaving the docs behind.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildWeb, type WebManifest } from "../../scripts/build-web.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const WEB_MD = readFileSync(join(ROOT, "docs", "WEB.md"), "utf8");

/** The web build of the pages as they are now, in a scratch folder. */
function manifest(): WebManifest {
  const dir = mkdtempSync(join(tmpdir(), "web-sizes-"));
  try {
    return buildWeb({ out: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const n = (s: string) => Number(s.replace(/,/g, ""));

test("the page sizes in docs/WEB.md are the build's", () => {
  const m = manifest();
  const route = (r: string) => m.routes.find((x) => x.route === r)!;
  const row = (label: string): string[] => {
    const line = WEB_MD.split("\n").find((l) => l.startsWith(`| \`${label}\``));
    assert.ok(line, `docs/WEB.md has no size row for ${label}`);
    return line.split("|").map((c) => c.trim().replace(/\*/g, ""));
  };
  for (const r of ["/", "/about", "/setup"]) {
    const cells = row(r);
    assert.equal(n(cells[2]), route(r).bytes, `docs/WEB.md: ${r} plain is ${route(r).bytes} bytes`);
    assert.equal(n(cells[3]), route(r).gzip!.bytes, `docs/WEB.md: ${r} gzip is ${route(r).gzip!.bytes} bytes`);
  }
  assert.equal(n(row("/status")[2].split(" ")[0]), route("/status").bytes, `docs/WEB.md: the /status template is ${route("/status").bytes} bytes`);
  const ex = /w\.index\.html (\d+) "<etag>" w\.index\.html\.gz (\d+)/.exec(WEB_MD);
  assert.ok(ex, "docs/WEB.md's w.idx example");
  assert.deepEqual([Number(ex[1]), Number(ex[2])], [route("/").bytes, route("/").gzip!.bytes], "docs/WEB.md's w.idx example line");
});

test("the Storage total and the bundle's size in docs/WEB.md are the build's", () => {
  const m = manifest();
  const total = m.files.reduce((a, f) => a + f.bytes + 32, 0);
  const stated = /The web files take ([\d,]+) bytes of Storage \((\d+) files/.exec(WEB_MD);
  assert.ok(stated, "docs/WEB.md states the web files' Storage");
  assert.deepEqual([n(stated[1]), Number(stated[2])], [total, m.files.length], `docs/WEB.md: ${total} bytes of Storage, ${m.files.length} files`);
  const sim = join(ROOT, "dist", "sim.js");
  if (!existsSync(sim)) return assert.fail("dist/sim.js is missing: run npm run build");
  const kb = Math.round(statSync(sim).size / 1024);
  const bundle = /bundle with every service is about (\d+) KB/.exec(WEB_MD);
  assert.ok(bundle, "docs/WEB.md states the bundle's size");
  assert.equal(Number(bundle[1]), kb, `docs/WEB.md: the sim bundle is about ${kb} KB`);
});

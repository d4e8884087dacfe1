/*
 * The real-interpreter tier: the harness against Espruino's Linux interpreter ($ESPRUINO_BIN)
 * with dist/linux.js booted from Storage. Skipped, and said so, when ESPRUINO_BIN is not set.
 * The interpreter listens on the linux board's fixed ports, so these tests run one at a time.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runCheck } from "../../test-host/commands/check.ts";
import { runHostile } from "../../test-host/commands/hostile.ts";
import { runLoad } from "../../test-host/commands/load.ts";
import type { CheckResult } from "../../test-host/report.ts";
import { openTarget, type Target } from "../../test-host/target.ts";

const BIN = process.env.ESPRUINO_BIN;
const SKIP = BIN ? false : "ESPRUINO_BIN is not set: the real-interpreter tier is skipped (see docs/HARNESS.md)";

function failures(results: CheckResult[]): string {
  return results.filter((r) => r.outcome === "fail").map((r) => `${r.name}: ${r.detail}`).join("\n");
}

async function withLinux<T>(fn: (t: Target) => Promise<T>): Promise<T> {
  const t = await openTarget("linux");
  try {
    return await fn(t);
  } finally {
    await t.stop();
  }
}

test("the linux bundle boots from Storage in Espruino's interpreter with no syntax, reference or memory error", { skip: SKIP }, async () => {
  const log = await withLinux(async (t) => {
    await new Promise((r) => setTimeout(r, 2000));
    return t.consoleLog();
  });
  assert.match(log, /\(linux\) up/, "the firmware's boot line");
  assert.doesNotMatch(log, /SyntaxError|ReferenceError|Uncaught|OUT OF MEMORY|LOW_MEMORY|ASSERT/);
});

test("every conformance check passes against the bundle booted in Espruino's Linux interpreter", { skip: SKIP, concurrency: false }, async () => {
  const results = await withLinux((t) => runCheck(t, { quick: true, only: [], seed: 42 }));
  assert.equal(failures(results), "");
});

test("a short hostile run leaves the Linux interpreter serving, with its memory back", { skip: SKIP }, async () => {
  const { results } = await withLinux((t) => runHostile(t, { quick: true }));
  assert.equal(failures(results), "");
});

test("a short mixed load on the Linux interpreter has no errors and gives its memory back", { skip: SKIP }, async () => {
  const { results } = await withLinux((t) => runLoad(t, { seconds: 2, service: "mixed" }));
  assert.equal(failures(results), "");
});

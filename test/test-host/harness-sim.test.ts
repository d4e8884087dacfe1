/*
 * The harness against the simulator running dist/sim.js (built by `npm test`'s build stage):
 * the whole check suite, a short hostile run and a short load must pass, and collect must
 * leave a CSV and a chart. A failure lists the checks that failed and why.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCheck } from "../../test-host/commands/check.ts";
import { runHostile } from "../../test-host/commands/hostile.ts";
import { runLoad } from "../../test-host/commands/load.ts";
import type { CheckResult } from "../../test-host/report.ts";
import { openTarget, type Target } from "../../test-host/target.ts";

function failures(results: CheckResult[]): string {
  return results.filter((r) => r.outcome === "fail").map((r) => `${r.name}: ${r.detail}`).join("\n");
}

async function withSim<T>(fn: (t: Target) => Promise<T>, token?: string): Promise<T> {
  const t = await openTarget("sim", { token });
  try {
    return await fn(t);
  } finally {
    await t.stop();
  }
}

test("every conformance check passes against the simulator, and the run leaves no Node warning (a listener piled up per loop pass)", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(`${w.name}: ${w.message}`);
  };
  process.on("warning", onWarning);
  try {
    const results = await withSim((t) => runCheck(t, { quick: true, only: [], seed: 42 }));
    assert.ok(results.length >= 40, `only ${results.length} checks ran`);
    assert.equal(failures(results), "");
  } finally {
    process.off("warning", onWarning);
  }
  assert.deepEqual(warnings.filter((w) => w.startsWith("MaxListenersExceededWarning")), []);
});

test("with a control token provisioned, the token checks run and pass, and the gated commands pass with AUTH", async () => {
  const only = ["line.auth", "http.auth", "line.led", "udp.push", "line.fetch", "http.api.led"];
  const results = await withSim((t) => runCheck(t, { quick: true, only, seed: 3 }), "harness-T0ken");
  assert.deepEqual(results.map((r) => r.name).sort(), [...only].sort());
  assert.equal(failures(results), "");
  assert.ok(results.every((r) => r.outcome === "pass"), results.map((r) => `${r.name}: ${r.outcome}`).join(", "));
});

test("a short hostile run leaves the simulator serving, with its memory back", async () => {
  const { results } = await withSim((t) => runHostile(t, { quick: true }));
  assert.ok(results.some((r) => r.name === "hostile.still-serves"));
  assert.equal(failures(results), "");
});

test("a short mixed load on the simulator has requests on every service and no errors", async () => {
  const { results, summary } = await withSim((t) => runLoad(t, { seconds: 2, service: "mixed" }));
  assert.equal(failures(results), "");
  for (const s of ["echo", "line", "http"] as const) assert.ok((summary.perService[s]?.requests ?? 0) > 0, `no ${s} requests`);
  assert.ok(summary.total.latencyMs.p99 >= summary.total.latencyMs.p50);
});

test("collect --plot through the CLI leaves a CSV, an SVG chart and a JSON report", () => {
  const dir = mkdtempSync(join(tmpdir(), "espfw-collect-"));
  try {
    const csv = join(dir, "t.csv");
    const svg = join(dir, "t.svg");
    const json = join(dir, "r.json");
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", "test-host/cli.ts", "collect", "--target", "sim", "--seconds", "1.5", "--interval", "100", "--out", csv, "--plot", svg, "--json", json],
      { encoding: "utf8", timeout: 60000 },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /collect: [0-9]+ samples/);
    const lines = readFileSync(csv, "utf8").trim().split("\n");
    assert.equal(lines[0], "seq,ms,a0,free,led");
    assert.ok(lines.length >= 8, `${lines.length - 1} samples in 1.5 s at 100 ms`);
    assert.deepEqual(lines.slice(1).map((l) => Number(l.split(",")[0])), lines.slice(1).map((_, i) => i + 1));
    const chart = readFileSync(svg, "utf8");
    assert.match(chart, /^<svg /);
    assert.equal((chart.match(/<path /g) ?? []).length, 3);
    const report = JSON.parse(readFileSync(json, "utf8")) as { command: string; ok: boolean; target: { kind: string }; results: CheckResult[]; summary: { samples: number } };
    assert.equal(report.command, "collect");
    assert.equal(report.target.kind, "sim");
    assert.equal(report.ok, true);
    assert.equal(report.summary.samples, lines.length - 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

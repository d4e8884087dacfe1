/*
 * Results of a harness run: one row per check (name, pass/fail/skip, detail, time), the table
 * printed for people, and the JSON document `--json <file>` writes (docs/HARNESS.md).
 */
import { writeFileSync } from "node:fs";
import type { Target } from "./target.ts";

export type Outcome = "pass" | "fail" | "skip";

export interface CheckResult {
  name: string;
  outcome: Outcome;
  detail: string;
  ms: number;
  /** Figures a check measured, for the JSON output. */
  data?: Record<string, unknown>;
}

export interface RunReport {
  command: string;
  target: { name: string; kind: string; host: string; ports: Record<string, number>; board: string };
  startedAt: string;
  durationMs: number;
  /** True when no check failed. */
  ok: boolean;
  counts: { pass: number; fail: number; skip: number };
  results: CheckResult[];
  /** Command-specific figures (load: rates and latencies; collect: samples and files). */
  summary?: Record<string, unknown>;
}

export function makeReport(command: string, target: Target, started: number, results: CheckResult[], summary?: Record<string, unknown>): RunReport {
  const counts = { pass: 0, fail: 0, skip: 0 };
  for (const r of results) counts[r.outcome]++;
  return {
    command,
    target: { name: target.name, kind: target.kind, host: target.host, ports: { ...target.ports }, board: target.board.name },
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    ok: counts.fail === 0,
    counts,
    results,
    summary,
  };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

/** The table: one line per check, `name  PASS|FAIL|skip  time  detail`, and a count line. */
export function formatTable(results: readonly CheckResult[]): string {
  const w = Math.max(5, ...results.map((r) => r.name.length));
  const lines = [`${pad("check", w)}  result  ${pad("time", 8)}  detail`, `${"-".repeat(w)}  ------  ${"-".repeat(8)}  ------`];
  for (const r of results) {
    const tag = r.outcome === "pass" ? "PASS" : r.outcome === "fail" ? "FAIL" : "skip";
    const time = r.ms >= 1000 ? `${(r.ms / 1000).toFixed(1)} s` : `${Math.round(r.ms)} ms`;
    lines.push(`${pad(r.name, w)}  ${pad(tag, 6)}  ${pad(time, 8)}  ${r.detail.replace(/\s*\n\s*/g, " ")}`);
  }
  const c = { pass: 0, fail: 0, skip: 0 };
  for (const r of results) c[r.outcome]++;
  lines.push("", `${c.pass} passed, ${c.fail} failed${c.skip ? `, ${c.skip} skipped` : ""}`);
  return lines.join("\n");
}

export function writeJson(file: string, report: RunReport): void {
  writeFileSync(file, JSON.stringify(report, null, 2) + "\n");
}

/** Progress for long runs, to stderr so stdout stays the table. */
export function progress(msg: string): void {
  process.stderr.write(`[harness] ${msg}\n`);
}

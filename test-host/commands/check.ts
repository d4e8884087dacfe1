/*
 * `check`: the conformance suite of docs/PROTOCOL.md and docs/WEB.md against one target, one row per
 * check (docs/HARNESS.md, "What each command checks").
 * Order matters little but each check leaves the device as it found it (LED, streams, UDP push).
 */
import { controlChecks } from "../checks/control.ts";
import { type Check, type CheckContext, runChecks, seededRng } from "../checks/context.ts";
import { echoChecks } from "../checks/echo.ts";
import { httpChecks } from "../checks/http.ts";
import { lineChecks } from "../checks/line.ts";
import { portChecks } from "../checks/ports.ts";
import { telemetryChecks } from "../checks/telemetry.ts";
import { progress, type CheckResult } from "../report.ts";
import type { Target } from "../target.ts";
import { connectTcp } from "../tcp.ts";

export const ALL_CHECKS: Check[] = [...portChecks, ...echoChecks, ...lineChecks, ...telemetryChecks, ...controlChecks, ...httpChecks];

/** This machine's address as the target sees it: loopback for local targets, else the local end of a connection to it. */
export async function hostAddressFor(target: Target): Promise<string> {
  if (target.local) return "127.0.0.1";
  for (const s of ["line", "http", "echo"] as const) {
    try {
      const sock = await connectTcp(target.endpoint(s), 3000);
      const a = sock.localAddress ?? "";
      sock.destroy();
      if (a) return a.replace(/^::ffff:/, "");
    } catch {
      // try the next service
    }
  }
  return "0.0.0.0";
}

export function selectChecks(only: readonly string[]): Check[] {
  if (only.length === 0) return ALL_CHECKS;
  return ALL_CHECKS.filter((c) => only.some((p) => c.name === p || c.name.startsWith(p.endsWith(".") ? p : p + ".") || c.name.startsWith(p)));
}

export async function runCheck(target: Target, opts: { quick: boolean; only: readonly string[]; seed?: number }): Promise<CheckResult[]> {
  const seed = opts.seed ?? Date.now() % 1000000;
  progress(`check: seed ${seed}`);
  const ctx: CheckContext = { target, hostIp: await hostAddressFor(target), quick: opts.quick, rng: seededRng(seed) };
  return runChecks(selectChecks(opts.only), ctx);
}

/*
 * Proof that the checks can fail: the sim firmware is rebuilt with deliberate bugs (a byte
 * dropped from each echoed chunk, a greeting without "ready"), run in the simulator, and the
 * checks of those behaviours must fail while the checks of untouched behaviours still pass.
 * Each patch must find its text in the source, so a refactor cannot make this test pass silently.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { test } from "node:test";
import { rollup, type Plugin } from "rollup";
import { loadBoard } from "../../board-configs/index.ts";
import { createRollupOptions } from "../../rollup.config.js";
import { boardModuleSource } from "../../scripts/board-module.ts";
import { firmwareVersion } from "../../scripts/build.ts";
import { runCheck } from "../../test-host/commands/check.ts";
import { openTarget } from "../../test-host/target.ts";

interface Patch {
  file: string;
  find: string;
  replace: string;
}

const PATCHES: Patch[] = [
  // Echo drops the fourth byte of every chunk longer than three bytes.
  { file: "firmware/services/echo.ts", find: "else this.write(d);", replace: "else this.write(d.length > 3 ? d.slice(0, 3) + d.slice(4) : d);" },
  // The greeting loses its "ready".
  { file: "firmware/lazy/line.ts", find: '" ready"', replace: '" up"' },
];

async function buildBroken(outFile: string): Promise<void> {
  const applied = new Set<string>();
  const breaker: Plugin = {
    name: "break-firmware",
    transform(code, id) {
      let out = code;
      for (const p of PATCHES) {
        if (!id.split(sep).join("/").endsWith(p.file)) continue;
        assert.ok(out.includes(p.find), `patch target moved: ${p.file} no longer contains ${p.find}`);
        out = out.replace(p.find, p.replace);
        applied.add(p.file);
      }
      return out === code ? null : { code: out, map: null };
    },
  };
  const o = createRollupOptions({ board: "sim", boardModule: boardModuleSource(loadBoard("sim"), firmwareVersion()), sourcePlugins: [breaker] });
  const bundle = await rollup(o.input);
  const { output } = await bundle.generate(o.output);
  await bundle.close();
  assert.equal(applied.size, PATCHES.length, `patches applied to ${[...applied].join(", ")} only`);
  writeFileSync(outFile, output[0].code);
}

test("checks fail on a firmware whose echo drops a byte and whose greeting is wrong, and only those", async () => {
  const dir = mkdtempSync(join(tmpdir(), "espfw-broken-"));
  const bundle = join(dir, "sim.js");
  try {
    await buildBroken(bundle);
    const target = await openTarget("sim", { bundle });
    try {
      const results = await runCheck(target, { quick: true, only: ["echo.tcp.sizes", "echo.tcp.all-bytes", "echo.tcp.splits", "echo.udp", "line.greeting", "line.status"], seed: 1 });
      const outcome = Object.fromEntries(results.map((r) => [r.name, r.outcome]));
      assert.deepEqual(
        outcome,
        { "echo.tcp.sizes": "fail", "echo.tcp.all-bytes": "fail", "echo.tcp.splits": "fail", "echo.udp": "pass", "line.greeting": "fail", "line.status": "pass", "line.status.clients": "pass" },
        results.map((r) => `${r.name}: ${r.outcome} ${r.detail}`).join("\n"),
      );
      const sizes = results.find((r) => r.name === "echo.tcp.sizes");
      assert.match(sizes?.detail ?? "", /differs at byte 3/);
      assert.match(results.find((r) => r.name === "line.greeting")?.detail ?? "", /want "# <name> <version> ready"/);
    } finally {
      await target.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/*
 * `npm run typecheck`: the TypeScript 7 compiler over each layer with its own tsconfig, so that
 * lib/ sees only ES2015, the firmware only ES2015 plus its Espruino declarations, and host code Node.
 */
import { spawnSync } from "node:child_process";

const TSC = "node_modules/tsgo/bin/tsc";
export const PROJECTS = ["lib/tsconfig.json", "firmware/tsconfig.json", "tsconfig.json"];

let failed = 0;
for (const p of PROJECTS) {
  const r = spawnSync(process.execPath, [TSC, "-p", p, "--pretty", "false"], { stdio: "inherit" });
  process.stdout.write(`typecheck ${p}: ${r.status === 0 ? "ok" : "FAILED"}\n`);
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);

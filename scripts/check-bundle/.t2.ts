import { readFileSync, readdirSync } from "node:fs";
import { checkBundle } from "./index.ts";
const dir = "test/fixtures/gate/";
for (const f of readdirSync(dir).sort()) {
  const code = readFileSync(dir + f, "utf8");
  const lines = code.split("\n");
  const p = checkBundle(code, { file: f, budgetBytes: f === "bundle-budget.js" ? 64 : undefined });
  console.log(`== ${f}: ${p.map((x) => `${x.rule}@${x.line}:${x.column}`).join(" ")}`);
  for (const x of p) console.log(`   ${x.line}:${x.column} »${lines[x.line - 1].slice(x.column - 1, x.column + 25)}«  ${x.message.split(" — ")[0]}`);
}

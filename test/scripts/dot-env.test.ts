/* `.env` (what .env.example says to fill) is read by deploy, provision and the harness; the environment wins. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DOT_ENV, loadDotEnv } from "../../scripts/deploy/secrets.ts";

test("loadDotEnv sets the variables of a .env file that the environment does not set", () => {
  const dir = mkdtempSync(join(tmpdir(), "espfw-env-"));
  try {
    const file = join(dir, ".env");
    writeFileSync(file, '# comment\n\nESPFW_TOKEN="from-dot-env-123"\nexport ESPFW_CONSOLE_PASSWORD=pw with spaces\nESPFW_WIFI_PASSWORD=\nnot a line\n');
    const env: NodeJS.ProcessEnv = { ESPFW_CONSOLE_PASSWORD: "from-shell" };
    const set = loadDotEnv(file, env);
    assert.equal(env.ESPFW_TOKEN, "from-dot-env-123");
    assert.equal(env.ESPFW_CONSOLE_PASSWORD, "from-shell", "the environment wins");
    assert.deepEqual(set.sort(), ["ESPFW_TOKEN", "ESPFW_WIFI_PASSWORD"]);
    assert.deepEqual(loadDotEnv(join(dir, "absent"), env), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the .env read is the one at the repository's root, which git ignores", () => {
  assert.equal(DOT_ENV, join(process.cwd(), ".env"));
});

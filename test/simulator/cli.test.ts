/*
 * `npm start` says which code runs: the bundle, or a program a deploy left in the state's
 * Storage (which Espruino boots in its place), and `--fresh` erases that Storage first.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

/** Starts the CLI, gives its output up to "Ctrl-C stops", and stops it. */
function startOutput(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "simulator/cli.ts", "--ephemeral", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("no 'Ctrl-C stops' in 60 s:\n" + out));
    }, 60000);
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("Ctrl-C stops")) child.kill("SIGTERM");
    });
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    child.on("exit", () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

test("npm start says it runs a deployed program rather than the bundle, and --fresh erases it", async () => {
  const state = mkdtempSync(join(tmpdir(), "espfw-cli-"));
  try {
    const first = await startOutput(["--state", state]);
    assert.match(first, /running .*sim\.js/);
    const boot = join(state, "storage", Buffer.from(".bootcde", "latin1").toString("hex") + ".bin");
    mkdirSync(join(state, "storage"), { recursive: true });
    writeFileSync(boot, 'print("deployed program");');
    const deployed = await startOutput(["--state", state]);
    assert.match(deployed, /running the program deployed to its Storage \(\.bootcde\), not .*--fresh/);
    assert.match(deployed, /deployed program/);
    const fresh = await startOutput(["--state", state, "--fresh"]);
    assert.match(fresh, /--fresh: erased the Storage/);
    assert.match(fresh, /running .*sim\.js/);
    assert.doesNotMatch(fresh, /deployed program/);
    assert.equal(existsSync(boot), false);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});

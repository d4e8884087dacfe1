/*
 * One convention for every command (README, "Exit codes"): `--help` prints the command's usage
 * and exits 0; a bad command line (a missing or unknown option, a board that does not exist)
 * exits 2 with a message; a failure exits 1.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

const COMMANDS: Array<{ name: string; file: string; bad: string[]; pre?: string[] }> = [
  { name: "build", file: "scripts/build.ts", bad: ["--board", "nope"] },
  { name: "deploy", file: "scripts/deploy.ts", bad: [] },
  { name: "provision", file: "scripts/provision.ts", bad: ["--port", "tcp://127.0.0.1:1"] },
  { name: "flash", file: "scripts/flash.ts", bad: [] },
  { name: "start", file: "simulator/cli.ts", bad: ["--frob"] },
  { name: "harness", file: "test-host/cli.ts", bad: ["frob"] },
  { name: "harness fleet", file: "test-host/cli.ts", pre: ["fleet"], bad: ["--mqtt", "mqtts://127.0.0.1"] },
];

function run(file: string, args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", file, ...args], { encoding: "utf8", timeout: 60000, env: { ...process.env, ESPFW_WIFI_PASSWORD: "" } });
  return { code: r.status, out: r.stdout + r.stderr };
}

for (const c of COMMANDS) {
  test(`${c.name}: --help prints a usage of more than one line and exits 0; a bad command line exits 2 saying why`, () => {
    const help = run(c.file, [...(c.pre ?? []), "--help"]);
    assert.equal(help.code, 0, help.out);
    assert.match(help.out, /usage: npm (run |start)/);
    assert.ok(help.out.trim().split("\n").length > 3, help.out);
    const bad = run(c.file, [...(c.pre ?? []), ...c.bad]);
    assert.equal(bad.code, 2, bad.out);
    assert.ok(bad.out.length > 20, bad.out);
  });
}

test("deploy names a Windows port on another system before building anything", () => {
  if (process.platform === "win32") return;
  const r = run("scripts/deploy.ts", ["--board", "nodemcu", "--port", "COM3"]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /COM3 is a Windows port name/);
  assert.doesNotMatch(r.out, /^build:/m);
});

/*
 * No secret leaks: a known fake control token, console password and Wi-Fi password go in through
 * the environment for a deploy and a provision against the simulator, and then none of them is in
 * the repo's tracked files, the built bundles, a page or API answer, the console output the
 * simulator captured, or the tools' output. The token is in the device's Storage file `token`,
 * where it belongs (which also shows that the secrets really went through).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createRedactor } from "../../scripts/deploy/secrets.ts";
import { builtSimBundle, type Rig, runTool, startEmptySim, type ToolRun } from "./deploy-rig.ts";

// Made at run time, so that only a leak can put them in a tracked file (this file holds none).
const TOKEN = "tok-" + randomBytes(9).toString("hex");
const CONSOLE_PW = "con-" + randomBytes(9).toString("hex");
const WIFI_PW = "wifi-" + randomBytes(9).toString("hex");
const NET = { ssid: "LeakNet-7", password: WIFI_PW, rssi: -55, channel: 6, authMode: "wpa2" as const, mac: "02:00:00:00:00:77" };
const SECRETS = [TOKEN, CONSOLE_PW, WIFI_PW];

function forms(s: string): string[] {
  return [s, Buffer.from(s).toString("base64")];
}

function assertClean(where: string, text: string): void {
  for (const s of SECRETS) for (const f of forms(s)) assert.equal(text.includes(f), false, `${where} contains a secret (${f.slice(0, 6)}...)`);
}

describe("secrets stay out of the repo, the bundle, the pages, the logs and the output", () => {
  let rig: Rig;
  let deploy: ToolRun;
  let provision: ToolRun;
  let bundle: string;

  before(async () => {
    bundle = await builtSimBundle();
    rig = await startEmptySim({ networks: [NET] });
    const env = { ESPFW_TOKEN: TOKEN, ESPFW_CONSOLE_PASSWORD: CONSOLE_PW, ESPFW_WIFI_PASSWORD: WIFI_PW };
    deploy = await runTool("deploy", ["--board", "sim", "--bundle", bundle, "--port", rig.consoleAddr, "--host", "127.0.0.1", "--ports", rig.portsArg, "--fast", "--no-check", "--verbose"], env);
    provision = await runTool("provision", ["--port", rig.consoleAddr, "--ssid", NET.ssid, "--fast", "--verbose"], env);
  });

  after(async () => {
    if (rig) await rig.stop();
  });

  test("deploy and provision succeed, and the token is in Storage where the firmware reads it", () => {
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    assert.equal(provision.code, 0, provision.stdout + provision.stderr);
    assert.equal(rig.sim.evaluate('require("Storage").read("token")'), TOKEN);
  });

  test("the tools' output (stdout, stderr, --verbose logs of the espruino package) has no secret", () => {
    assertClean("deploy output", deploy.stdout + deploy.stderr);
    assertClean("provision output", provision.stdout + provision.stderr);
    assert.match(deploy.stderr, /\[espruino\]/, "verbose mode did log the package's lines (so they were checked)");
  });

  test("no tracked file of the repo holds a secret (git grep)", () => {
    for (const s of SECRETS) {
      const r = spawnSync("git", ["grep", "-F", "-l", s], { encoding: "utf8" });
      assert.equal(r.status, 1, `git grep found ${s.slice(0, 6)}... in: ${r.stdout}`);
    }
  });

  test("neither the deployed bundle nor any dist/ bundle holds a secret", () => {
    assertClean("deployed .bootcde", rig.sim.evaluate('require("Storage").read(".bootcde")') as string);
    assertClean(bundle, readFileSync(bundle, "latin1"));
    if (existsSync("dist")) {
      for (const f of readdirSync("dist")) if (f.endsWith(".js")) assertClean(`dist/${f}`, readFileSync(join("dist", f), "latin1"));
    }
  });

  test("no page or API answer holds a secret", async () => {
    for (const path of ["/", "/status", "/about", "/api/status", "/api/led", "/setup"]) {
      const res = await fetch(`http://127.0.0.1:${rig.sim.ports.http}${path}`, { headers: { "Accept-Encoding": "identity" } });
      assertClean(`GET ${path}`, await res.text());
    }
  });

  test("the console output the simulator captured holds no secret", () => {
    const out = rig.sim.consoleOutput();
    assert.ok(out.length > 0);
    assertClean("console output", out);
  });

  test("the redactor hides a secret in every form the tools send it", () => {
    const redact = createRedactor([TOKEN]);
    const line = `write("token",atob(${JSON.stringify(Buffer.from(TOKEN).toString("base64"))})) ${TOKEN} ${JSON.stringify(TOKEN)}`;
    assertClean("redacted line", redact(line));
    assert.equal(redact("nothing secret"), "nothing secret");
  });
});

// Guard: the check above runs git from the repo root, as the test runner does.
assert.ok(execFileSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8" }).trim().length > 0);

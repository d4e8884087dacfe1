/*
 * Provision against the simulator's console and its simulated radio: joining a network saves
 * the credentials in Storage (.wificfg) and prints the address; a wrong password or an absent
 * network fails with a message that says which, and saves nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Rig, runTool, startEmptySim } from "./deploy-rig.ts";

const NET = { ssid: "ProvNet-1", password: "prov-fake-pass-31ab", rssi: -50, channel: 1, authMode: "wpa2" as const, mac: "02:00:00:00:00:11" };

describe("provision", () => {
  let rig: Rig;
  before(async () => {
    rig = await startEmptySim({ networks: [NET] });
  });
  after(async () => {
    if (rig) await rig.stop();
  });

  test("a wrong password fails with EWIFI naming the cause and saves nothing", async () => {
    const r = await runTool("provision", ["--port", rig.consoleAddr, "--ssid", NET.ssid, "--fast", "--timeout", "10"], { ESPFW_WIFI_PASSWORD: "not-the-password" });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /EWIFI: the network refused the password/);
    const names = rig.sim.evaluate('require("Storage").list()') as string[];
    assert.ok(names.indexOf(".wificfg") < 0, names.join(","));
  });

  test("an absent network fails with EWIFI saying it is not in range", async () => {
    const r = await runTool("provision", ["--port", rig.consoleAddr, "--ssid", "NoSuchNet", "--fast", "--timeout", "10"], { ESPFW_WIFI_PASSWORD: "whatever-123" });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /EWIFI: no network of that name is in range/);
  });

  test("the right password joins, saves .wificfg and prints the address", async () => {
    const r = await runTool("provision", ["--port", rig.consoleAddr, "--ssid", NET.ssid, "--fast"], { ESPFW_WIFI_PASSWORD: NET.password });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^address: 127\.0\.0\.1$/m);
    const host = rig.sim.evaluate('require("Wifi").getHostname()') as string;
    assert.ok(r.stdout.includes(`name: ${host} (the firmware announces http://${host}.local/`), r.stdout);
    const names = rig.sim.evaluate('require("Storage").list()') as string[];
    assert.ok(names.indexOf(".wificfg") >= 0, names.join(","));
  });

  test("no --ssid is a usage error (exit 2)", async () => {
    const r = await runTool("provision", ["--port", rig.consoleAddr]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /EUSAGE: no --ssid given/);
  });

  test("a password on the command line is refused", async () => {
    const r = await runTool("provision", ["--port", rig.consoleAddr, "--ssid", "x", "--password", "hunter2"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /secrets are not taken on the command line/);
  });
});

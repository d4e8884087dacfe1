/*
 * Deploy end to end: the real `espruino` package writes the firmware into the simulator's
 * Storage over its console, from an empty Storage, and the deployed firmware then answers and
 * passes the harness's quick checks. Plus the refusals: unknown board, over-budget bundle, no
 * port, a console that does not answer.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runCheck } from "../../test-host/commands/check.ts";
import { openTarget } from "../../test-host/target.ts";
import { builtSimBundle, type Rig, runTool, startEmptySim } from "./deploy-rig.ts";

describe("deploy to the simulator's console", () => {
  let rig: Rig;
  let bundle: string;
  let run: Awaited<ReturnType<typeof runTool>>;

  before(async () => {
    bundle = await builtSimBundle();
    rig = await startEmptySim();
    const listed = rig.sim.evaluate('require("Storage").list()') as string[];
    assert.deepEqual(listed, [], "the simulator starts from an empty Storage");
    run = await runTool("deploy", ["--board", "sim", "--bundle", bundle, "--port", rig.consoleAddr, "--host", "127.0.0.1", "--ports", rig.portsArg, "--fast"], {
      ESPFW_TOKEN: "test-token-0123456789",
    });
  });

  after(async () => {
    if (rig) await rig.stop();
  });

  test("deploy exits 0 and reports each step", () => {
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const step of ["device: Espruino 2v29 on SIMULATOR", "reset:", "the boot code", "verified:", "restart: load()", "up: echo answered", ", wifi="]) {
      assert.ok(run.stdout.includes(step), `missing progress line "${step}" in:\n${run.stdout}`);
    }
  });

  test("the bundle is in Storage as .bootcde, byte for byte, and the temporary copy is gone", () => {
    const boot = rig.sim.evaluate('require("Storage").read(".bootcde")') as string;
    assert.equal(boot, readFileSync(bundle, "latin1"));
    const names = rig.sim.evaluate('require("Storage").list()') as string[];
    assert.ok(names.indexOf(".bootnew") < 0, `left behind: ${names.join(", ")}`);
  });

  test("the web assets of the manifest and the token are in Storage", { skip: !existsSync("dist/web/manifest.json") && "no dist/web/manifest.json (web build not run)" }, () => {
    const manifest = JSON.parse(readFileSync("dist/web/manifest.json", "utf8")) as { files: Array<{ name: string; file: string }> };
    for (const f of manifest.files) {
      const got = rig.sim.evaluate(`require("Storage").read(${JSON.stringify(f.name)})`) as string;
      assert.equal(got, readFileSync(join("dist/web", f.file), "latin1"), f.name);
    }
    assert.equal(rig.sim.evaluate('require("Storage").read("token")'), "test-token-0123456789");
  });

  test("the deployed firmware greets on the line port and echoes", async () => {
    const greeting = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: "127.0.0.1", port: rig.sim.ports.line });
      let t = "";
      s.on("data", (d: Buffer) => {
        t += d.toString();
        if (t.includes("\n")) {
          s.destroy();
          resolve(t.split("\n")[0].trim());
        }
      });
      s.on("error", reject);
    });
    assert.match(greeting, /^# espruino-sim \S+ ready$/);
  });

  test("the harness's whole quick check passes against the deployed firmware", async () => {
    const target = await openTarget("127.0.0.1", { board: "sim", token: "test-token-0123456789" });
    Object.assign(target.ports, rig.sim.ports); // the address target reads its ports object at each connect
    const results = await runCheck(target, { quick: true, only: [], seed: 1 });
    const failed = results.filter((r) => r.outcome === "fail");
    assert.ok(results.filter((r) => r.outcome === "pass").length >= 30, JSON.stringify(results));
    assert.deepEqual(failed, [], JSON.stringify(failed, null, 1));
  });
});

describe("deploy refuses", () => {
  test("an unknown board, naming the known ones", async () => {
    const r = await runTool("deploy", ["--board", "esp32", "--port", "/dev/null"]);
    assert.equal(r.code, 2, "a board that does not exist is a bad command line");
    assert.match(r.stderr, /EUNKNOWNBOARD: unknown board "esp32"; known boards: d1-mini, linux, nodemcu, sim/);
  });

  test("a bundle over the board's budget, before touching the device", async () => {
    const dir = mkdtempSync(join(tmpdir(), "espfw-big-"));
    try {
      const big = join(dir, "big.js");
      const code = "var a=" + JSON.stringify("x".repeat(41000)) + ";\n";
      writeFileSync(big, code);
      const r = await runTool("deploy", ["--board", "sim", "--bundle", big, "--dry-run", join(dir, "out")]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`E2BIG: .*big\\.js is ${code.length} bytes, over the sim budget of 40960 bytes by ${code.length - 40960}`));
      assert.equal(existsSync(join(dir, "out")), false, "nothing is written when the bundle is refused");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a missing serial port, with a clear message", async () => {
    const r = await runTool("deploy", ["--board", "nodemcu", "--port", "/dev/ttyNOPE0"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ENOPORT: no serial port \/dev\/ttyNOPE0: is the board plugged in/);
  });

  test("a console address nothing answers on", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = await runTool("deploy", ["--board", "sim", "--bundle", await builtSimBundle(), "--port", `tcp://127.0.0.1:${port}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ENOANSWER: cannot connect to 127\.0\.0\.1:\d+: ECONNREFUSED/);
  });
});

describe("deploy --dry-run", () => {
  test("writes the Storage files and the console command log, and no secret", async () => {
    const dir = mkdtempSync(join(tmpdir(), "espfw-dry-"));
    try {
      const bundle = await builtSimBundle();
      const r = await runTool("deploy", ["--board", "sim", "--bundle", bundle, "--dry-run", dir], { ESPFW_TOKEN: "dry-secret-token-42" });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(join(dir, "storage", ".bootcde"), "latin1"), readFileSync(bundle, "latin1"));
      const log = readFileSync(join(dir, "commands.log"), "utf8");
      assert.match(log, /require\("Storage"\)\.write\("\.bootnew",atob\(/);
      assert.match(log, /require\("Storage"\)\.write\("\.bootcde",require\("Storage"\)\.read\("\.bootnew"\)\)/);
      assert.match(log, /^load\(\);$/m);
      assert.ok(existsSync(join(dir, "storage", "token.redacted")));
      assert.equal(log.includes("dry-secret-token-42") || log.includes(Buffer.from("dry-secret-token-42").toString("base64")), false);
      // It says what it would do, never what it did not: no device read, nothing verified.
      const said = r.stdout + r.stderr;
      assert.match(said, /device: none \(dry run/);
      assert.doesNotMatch(said, /device: Espruino|verified:/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

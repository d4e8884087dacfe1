/* Target resolution and its errors: unknown boards, a missing ESPRUINO_BIN, unreachable services. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { probe } from "../../test-host/cli.ts";
import { connectTcp } from "../../test-host/tcp.ts";
import { clientSockets, freePort, linuxSetupScript, openTarget } from "../../test-host/target.ts";
import { loadBoard } from "../../board-configs/index.ts";

test("an address target takes its ports from the board config (nodemcu by default)", async () => {
  const t = await openTarget("192.168.1.50");
  assert.equal(t.host, "192.168.1.50");
  assert.deepEqual(t.ports, loadBoard("nodemcu").ports);
  assert.deepEqual(t.endpoint("line"), { host: "192.168.1.50", port: 4444, service: "line" });
  const d = await openTarget("10.0.0.7", { board: "d1-mini" });
  assert.equal(d.board.name, "d1-mini");
});

test("a device's mDNS name (<deviceName>.local, which provision prints) is a target", async () => {
  const name = loadBoard("nodemcu").deviceName + ".local";
  const t = await openTarget(name);
  assert.equal(t.host, name);
  assert.deepEqual(t.endpoint("http"), { host: name, port: 80, service: "http" });
});

test("an unknown board is refused with the list of known boards", async () => {
  await assert.rejects(openTarget("192.168.1.50", { board: "esp32" }), /unknown board "esp32"; known boards: .*nodemcu/);
});

test("a target that is neither sim, linux nor an address is a usage error", async () => {
  await assert.rejects(openTarget("not an address!"), (e: Error & { code?: string }) => e.code === "EUSAGE");
});

test("the linux target without ESPRUINO_BIN fails with a message saying what to set", async () => {
  await assert.rejects(openTarget("linux", { env: {} }), (e: Error & { code?: string }) => e.code === "ETARGET" && /ESPRUINO_BIN is not set/.test(e.message));
  await assert.rejects(openTarget("linux", { env: { ESPRUINO_BIN: "/no/such/espruino" } }), /no such file/);
});

test("connecting to a closed port says cannot reach host:port (service)", async () => {
  const port = await freePort();
  await assert.rejects(connectTcp({ host: "127.0.0.1", port, service: "line" }, 1000), new RegExp(`^Error: cannot reach 127\\.0\\.0\\.1:${port} \\(line\\): connection refused`));
});

test("probe fails with every unreachable service named when nothing answers", async () => {
  const t = await openTarget("127.0.0.1", { board: "sim" });
  t.ports.line = await freePort();
  t.ports.echo = await freePort();
  t.ports.http = await freePort();
  await assert.rejects(probe(t, 500), (e: Error & { code?: string }) => e.code === "ECONNECT" && /\(line\).*\(echo\).*\(http\)/.test(e.message));
});

test("the CLI exits 2 with a clear message when the target cannot be reached", () => {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): nothing ever answers there.
  const r = spawnSync(process.execPath, ["--import", "tsx", "test-host/cli.ts", "check", "--target", "192.0.2.1", "--board", "nodemcu", "--connect-timeout", "300"], { encoding: "utf8", timeout: 30000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /cannot reach 192\.0\.2\.1:4444 \(line\)/);
});

test("the CLI exits 2 for --target linux without ESPRUINO_BIN, saying so", () => {
  const env = { ...process.env };
  delete env.ESPRUINO_BIN;
  const r = spawnSync(process.execPath, ["--import", "tsx", "test-host/cli.ts", "check", "--target", "linux"], { encoding: "utf8", env, timeout: 30000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /ESPRUINO_BIN is not set/);
});

test("the socket budget leaves 4 clients on a 10-socket board with its console on", () => {
  assert.equal(clientSockets(loadBoard("nodemcu")), 4);
  assert.equal(clientSockets({ ...loadBoard("nodemcu"), console: "off" }), 5);
});

test("the linux setup script erases Storage, copies each file in small pieces and writes the bundle as .bootcde last", () => {
  const s = linuxSetupScript("bundle.js", [{ name: "w.idx", path: "/tmp/w.idx" }]);
  assert.ok(s.indexOf("s.eraseAll()") < s.indexOf('put("w.idx"'));
  assert.ok(s.indexOf('put("w.idx"') < s.indexOf('put(".bootcde", "bundle.js")'));
  assert.match(s, /f\.read\(256\)/);
});

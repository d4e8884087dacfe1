/*
 * The real-interpreter tier: the harness against Espruino's Linux interpreter ($ESPRUINO_BIN)
 * with dist/linux.js booted from Storage. Skipped, and said so, when ESPRUINO_BIN is not set.
 * The interpreter listens on the linux board's fixed ports, so these tests run one at a time.
 * The MQTT tests: the device's client against a real Mosquitto, checked by `check --target mqtt://`
 * (skipped without Mosquitto), and against a hostile broker of raw TCP here that sends what no
 * standard broker forwards (malformed lengths, an unknown type, a second CONNACK, a refusal).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { MQTT_CHECKS } from "../../test-host/checks/mqtt.ts";
import { runMqttCheck } from "../../test-host/commands/check-mqtt.ts";
import { runCheck } from "../../test-host/commands/check.ts";
import { runHostile } from "../../test-host/commands/hostile.ts";
import { runLoad } from "../../test-host/commands/load.ts";
import { settledFreeVars } from "../../test-host/device-memory.ts";
import type { CheckResult } from "../../test-host/report.ts";
import { openTarget, type Target, type TargetOptions } from "../../test-host/target.ts";
import { mosquittoPath, startBroker } from "../helpers/mosquitto.ts";

const BIN = process.env.ESPRUINO_BIN;
const SKIP = BIN ? false : "ESPRUINO_BIN is not set: the real-interpreter tier is skipped (see docs/HARNESS.md)";

function failures(results: CheckResult[]): string {
  return results.filter((r) => r.outcome === "fail").map((r) => `${r.name}: ${r.detail}`).join("\n");
}

async function withLinux<T>(fn: (t: Target) => Promise<T>, opts: TargetOptions = {}): Promise<T> {
  const t = await openTarget("linux", opts);
  try {
    return await fn(t);
  } finally {
    await t.stop();
  }
}

test("the linux bundle boots from Storage in Espruino's interpreter with no syntax, reference or memory error", { skip: SKIP }, async () => {
  const log = await withLinux(async (t) => {
    await new Promise((r) => setTimeout(r, 2000));
    return t.consoleLog();
  });
  assert.match(log, /\(linux\) up/, "the firmware's boot line");
  assert.doesNotMatch(log, /SyntaxError|ReferenceError|Uncaught|OUT OF MEMORY|LOW_MEMORY|ASSERT/);
});

test("every conformance check passes against the bundle booted in Espruino's Linux interpreter", { skip: SKIP, concurrency: false }, async () => {
  const results = await withLinux((t) => runCheck(t, { quick: true, only: [], seed: 42 }));
  assert.equal(failures(results), "");
});

test("a short hostile run leaves the Linux interpreter serving, with its memory back", { skip: SKIP }, async () => {
  const { results } = await withLinux((t) => runHostile(t, { quick: true }));
  assert.equal(failures(results), "");
});

test("a short mixed load on the Linux interpreter has no errors and gives its memory back", { skip: SKIP }, async () => {
  const { results } = await withLinux((t) => runLoad(t, { seconds: 2, service: "mixed" }));
  assert.equal(failures(results), "");
});

const SKIP_MQTT = SKIP || (mosquittoPath() === null ? "mosquitto is not installed (scripts/install-system-deps.sh)" : false);

test("the MQTT client on Espruino's Linux interpreter passes check --target mqtt://, a broker restart included", { skip: SKIP_MQTT }, async () => {
  const broker = await startBroker();
  const dir = mkdtempSync(join(tmpdir(), "linux-mqtt-"));
  try {
    // The Storage file provisioning writes (docs/FLEET.md): the broker, one sample a second.
    const cfg = join(dir, "mqtt.json");
    writeFileSync(cfg, JSON.stringify({ host: "127.0.0.1", port: broker.port, name: "linux-dut", period: 1 }));
    const { report, log } = await withLinux(
      async (t) => {
        const report = await runMqttCheck({
          target: broker.url,
          device: "linux-dut",
          restart: async () => {
            await broker.stop();
            await new Promise((r) => setTimeout(r, 1000));
            await broker.start();
          },
        });
        return { report, log: t.consoleLog() };
      },
      { storageFiles: [{ name: "mqtt", path: cfg }] },
    );
    const failed = report.results.filter((r) => r.outcome !== "pass").map((r) => `${r.name}: ${r.detail}`);
    assert.deepEqual(failed, [], log.slice(-1500));
    assert.deepEqual(report.results.map((r) => r.name), MQTT_CHECKS.map((c) => c.name));
    assert.match(log, /mqtt: connected/);
    assert.doesNotMatch(log, /SyntaxError|ReferenceError|Uncaught|OUT OF MEMORY|LOW_MEMORY|ASSERT/);
  } finally {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A broker of raw TCP: each connection is handed over once its CONNECT has come. */
async function rawBroker(): Promise<{ port: number; next: (ms: number) => Promise<Socket>; close: () => void }> {
  const ready: Socket[] = [];
  const all: Socket[] = [];
  const server = createServer((s) => {
    all.push(s);
    s.on("error", () => {});
    s.once("data", (d: Buffer) => (d[0] === 0x10 ? ready.push(s) : s.destroy()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    async next(ms) {
      const end = Date.now() + ms;
      while (ready.length === 0) {
        if (Date.now() > end) throw new Error(`no CONNECT within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return ready.shift()!;
    },
    close() {
      for (const s of all) s.destroy();
      server.close();
    },
  };
}

/** True when `s` closes within `ms`. */
function closes(s: Socket, ms: number): Promise<boolean> {
  if (s.destroyed) return Promise.resolve(true);
  return new Promise((r) => {
    const t = setTimeout(() => r(false), ms);
    s.once("close", () => (clearTimeout(t), r(true)));
  });
}

const CONNACK_OK = "\x20\x02\x00\x00";
const bytes = (s: string) => Buffer.from(s, "latin1");
/** A QoS 0 PUBLISH (payload and topic under 128 bytes in all). */
const publish0 = (topic: string, payload: string) => "\x30" + String.fromCharCode(2 + topic.length + payload.length) + "\x00" + String.fromCharCode(topic.length) + topic + payload;

test("a hostile broker gets a clean cut for each bad packet on the 1600-variable interpreter, and the memory comes back", { skip: SKIP }, async () => {
  const broker = await rawBroker();
  const dir = mkdtempSync(join(tmpdir(), "linux-mqtt-raw-"));
  // Each case: what the broker answers CONNECT with, what it sends then, the device's reason on its console.
  const set = "espfw/linux-dut/led/set";
  const cases: Array<{ what: string; connack?: string; send: string; why: RegExp }> = [
    { what: "a remaining length of five bytes (each with its continuation bit, 0 so far)", send: "\x30\x80\x80\x80\x80\x01", why: /malformed packet length/ },
    { what: "a PUBLISH announcing 268 MB", send: "\x30\xff\xff\xff\x7f" + "x".repeat(1000), why: /packet over 256 bytes/ },
    { what: "a PUBLISH of 300 bytes", send: "\x30\xac\x02\x00" + String.fromCharCode(set.length) + set + "O".repeat(300 - 2 - set.length), why: /packet over 256 bytes/ },
    { what: "a PUBLISH whose topic runs past its end", send: "\x30\x05\x00\x10abc", why: /malformed PUBLISH/ },
    { what: "an unknown packet type", send: "\xf0\x00", why: /unexpected packet type 15/ },
    { what: "a second CONNACK", send: CONNACK_OK, why: /unexpected CONNACK/ },
    { what: "60 PUBLISHes at once", send: publish0(set, "X").repeat(60), why: /over 20 PUBLISHes a second/ },
    { what: "a PUBLISH before CONNACK", connack: "", send: publish0(set, "ON"), why: /PUBLISH before CONNACK/ },
    { what: "CONNACK refused (not authorised)", connack: "\x20\x02\x00\x05", send: "", why: /refused by the broker \(CONNACK 5\)/ },
  ];
  try {
    const cfg = join(dir, "mqtt.json");
    writeFileSync(cfg, JSON.stringify({ host: "127.0.0.1", port: broker.port, name: "linux-dut", period: 1, ha: "" }));
    await withLinux(
      async (t) => {
        /** A well-behaved session: CONNACK, then the device's `online` (QoS 1: its packet id between). */
        const good = async (): Promise<Socket> => {
          const s = await broker.next(10000);
          let got = "";
          s.on("data", (d: Buffer) => (got += d.toString("latin1")));
          s.write(bytes(CONNACK_OK));
          const end = Date.now() + 5000;
          while (!/linux-dut\/status[\s\S]{2}online/.test(got)) {
            if (Date.now() > end) throw new Error(`no online after CONNACK; got ${JSON.stringify(got.slice(0, 200))}`);
            await new Promise((r) => setTimeout(r, 50));
          }
          return s;
        };
        let s = await good();
        const before = await settledFreeVars(t);
        s.destroy();
        for (const c of cases) {
          s = await broker.next(10000);
          const at = t.consoleLog().length;
          if (c.connack !== "") s.write(bytes(c.connack ?? CONNACK_OK));
          if (c.send !== "") s.write(bytes(c.send));
          assert.ok(await closes(s, 5000), `${c.what}: the device did not close the connection within 5 s`);
          // The console line may follow the close by a moment.
          await new Promise((r) => setTimeout(r, 200));
          assert.match(t.consoleLog().slice(at), c.why, c.what);
        }
        s = await good();
        const afterwards = await settledFreeVars(t);
        process.stderr.write(`# hostile broker: free ${before} with the first connection, ${afterwards} after ${cases.length} cuts\n`);
        assert.ok(before !== null && afterwards !== null, "free memory read over the line protocol");
        assert.ok(afterwards >= before - 12, `free ${afterwards} after the cuts, ${before} before`);
        s.destroy();
        assert.doesNotMatch(t.consoleLog(), /OUT OF MEMORY|LOW_MEMORY|ASSERT|Uncaught|New interpreter error/);
      },
      { storageFiles: [{ name: "mqtt", path: cfg }] },
    );
  } finally {
    broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

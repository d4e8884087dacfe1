/*
 * A fleet through a broker restart (issue 13, "done when"): a real Mosquitto, 20 simulated
 * devices against it (simulator/fleet.ts), the broker stopped, 2 s without it, started again.
 * Every device comes back online, and no sample is lost without its gap: each device's seq after
 * the restart is above every seq before it, the samples its state says it dropped are missing,
 * and every other missing seq falls where no watcher was subscribed (a sample in flight as the
 * broker stopped, or sent before the watcher was back). The harness's fleet view, watching the
 * whole time, lists all 20 online; `harness fleet --json` run as a child process agrees and
 * exits 0, and 1 once the devices are gone (the broker's last wills say offline).
 *
 * No timing is asserted: waits are generous and the figures (time to all online, missing,
 * dropped) are printed as diagnostics.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { startFleet, type FleetHandle } from "../../../simulator/fleet.ts";
import { ensureBundle, REPO_ROOT } from "../../../simulator/index.ts";
import { type FleetWatch, watchFleet } from "../../../test-host/commands/fleet.ts";
import type { FleetSummary } from "../../../test-host/fleet-view.ts";
import { mosquittoPath, startBroker, type Broker } from "../../helpers/mosquitto.ts";

const N = 20;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await wait(50);
  }
}

interface Msg {
  name: string;
  kind: string;
  text: string;
  retain: boolean;
  at: number;
}

/** A plain mqtt.js client recording every status, sample and state message under espfw/. */
class Watcher {
  readonly msgs: Msg[] = [];
  subscribedAt = 0;
  private constructor(readonly c: MqttClient) {}
  static async open(url: string): Promise<Watcher> {
    // No reconnection: one watcher per broker life, so that what each saw is clear.
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000 });
    const w = new Watcher(c);
    c.on("message", (topic, payload, packet) => {
      const [, name, kind] = topic.split("/");
      w.msgs.push({ name, kind, text: payload.toString("latin1"), retain: packet.retain, at: Date.now() });
    });
    await c.subscribeAsync({ "espfw/+/status": { qos: 1 }, "espfw/+/state": { qos: 1 }, "espfw/+/sample": { qos: 0 } });
    w.subscribedAt = Date.now();
    return w;
  }
  of(name: string, kind: string): Msg[] {
    return this.msgs.filter((m) => m.name === name && m.kind === kind);
  }
  seqs(name: string): number[] {
    return this.of(name, "sample").map((m) => Number(m.text.split(",")[0]));
  }
  status(name: string): string | undefined {
    return this.of(name, "status").at(-1)?.text;
  }
  dropped(name: string): number | undefined {
    const st = this.of(name, "state").at(-1);
    return st === undefined ? undefined : (JSON.parse(st.text) as { dropped: number }).dropped;
  }
  close(): void {
    this.c.end(true);
  }
}

/** Missing seq between consecutive samples seen (a restart of seq would fail the caller's checks first). */
function missing(seqs: number[]): number {
  let n = 0;
  for (let i = 1; i < seqs.length; i++) n += Math.max(0, seqs[i] - seqs[i - 1] - 1);
  return n;
}

/** `npm run harness -- fleet ...` as a child process (asynchronously: the devices run in this process). */
function harnessFleet(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "test-host/cli.ts", "fleet", ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`harness fleet did not end in 60 s:\n${stdout}\n${stderr}`));
    }, 60000);
    child.on("exit", (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

const skip = mosquittoPath() === null ? "mosquitto is not installed (scripts/install-system-deps.sh)" : false;

describe(`a fleet of ${N} simulated devices against Mosquitto, through a broker restart`, { skip }, () => {
  let broker: Broker;
  let fleet: FleetHandle | undefined;
  let view: FleetWatch | undefined;
  let first: Watcher | undefined;
  let second: Watcher | undefined;
  let dir: string;
  const names = (): string[] => fleet!.devices.map((d) => d.name);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "fleet-e2e-"));
    const bundle = ensureBundle("sim").file;
    broker = await startBroker();
    first = await Watcher.open(broker.url);
    view = await watchFleet({ mqtt: broker.url });
    const t0 = Date.now();
    fleet = await startFleet({ n: N, mqtt: broker.url, stateRoot: join(dir, "fleet"), sim: { bundle } });
    process.stderr.write(`# fleet: ${N} devices started in ${Date.now() - t0} ms\n`);
  });
  after(async () => {
    await fleet?.stop();
    first?.close();
    second?.close();
    await view?.stop();
    await broker?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`each of the ${N} devices has its own name, state folder, ports and mqtt file naming the broker`, () => {
    assert.deepEqual(names(), Array.from({ length: N }, (_, i) => `sim-${String(i + 1).padStart(2, "0")}`));
    const ports = fleet!.devices.flatMap((d) => Object.values(d.sim.ports));
    assert.equal(new Set(ports).size, ports.length, "no host port shared");
    assert.equal(new Set(fleet!.devices.map((d) => d.stateDir)).size, N);
    for (const d of fleet!.devices) {
      assert.equal(d.stateDir, join(dir, "fleet", d.name));
      const file = join(d.stateDir, "storage", Buffer.from("mqtt", "latin1").toString("hex") + ".bin");
      assert.deepEqual(JSON.parse(readFileSync(file, "latin1")), { host: "127.0.0.1", port: broker.port, prefix: "espfw", name: d.name });
    }
  });

  test(`all ${N} come online and sample once a second, each with consecutive seq`, async () => {
    const t0 = Date.now();
    await until(`all ${N} online`, () => names().every((n) => first!.status(n) === "online"), 30000);
    const online = Date.now() - t0;
    await until("3 samples from each", () => names().every((n) => first!.seqs(n).length >= 3), 15000);
    process.stderr.write(`# fleet: all online ${online} ms after the fleet had started\n`);
    for (const n of names()) {
      const s = first!.seqs(n);
      assert.equal(missing(s), 0, `${n}: ${s.join(",")}`);
      assert.ok(s.every((x, i) => i === 0 || x === s[i - 1] + 1), `${n}: ${s.join(",")}`);
    }
  });

  test("after a broker restart every device is back online, and every missing seq is accounted for", async () => {
    const lastBefore = new Map(names().map((n) => [n, first!.seqs(n).at(-1)!]));
    const droppedBefore = new Map(names().map((n) => [n, first!.dropped(n)]));
    for (const n of names()) assert.equal(typeof droppedBefore.get(n), "number", `${n}: a state before the restart`);

    const stopAt = Date.now();
    await broker.stop();
    first!.close();
    await wait(2000);
    await broker.start();
    const startAt = Date.now();
    // A new watcher at once: the devices come back on their own backoff (0.5..1.5 s, then 1..3 s, 2..6 s...).
    second = await Watcher.open(broker.url);
    const watcherGapS = (second.subscribedAt - startAt) / 1000;

    await until(`all ${N} online again`, () => names().every((n) => second!.status(n) === "online"), 45000);
    const allOnline = Date.now();
    await until("2 samples from each after the restart", () => names().every((n) => second!.seqs(n).length >= 2), 15000);

    let totalMissing = 0;
    let totalDropped = 0;
    let totalUnseen = 0;
    const lines: string[] = [];
    for (const n of names()) {
      const before = first!.seqs(n);
      const after = second!.seqs(n);
      // seq goes on across the restart: never back, never reused.
      assert.ok(after[0] > lastBefore.get(n)!, `${n}: seq after the restart ${after[0]}, before it ${lastBefore.get(n)}`);
      const all = [...before, ...after];
      assert.ok(all.every((x, i) => i === 0 || x > all[i - 1]), `${n}: seq strictly increasing: ${all.join(",")}`);
      const miss = missing(all);
      // The device's own count of the samples it could not send, from its state at the new connection.
      const droppedAfter = second!.dropped(n);
      assert.equal(typeof droppedAfter, "number", `${n}: a state after the restart`);
      const dropped = droppedAfter! - droppedBefore.get(n)!;
      assert.ok(dropped >= 1, `${n}: the broker was away 2 s and more: at least one sample dropped, the state says ${dropped}`);
      assert.ok(miss >= dropped, `${n}: every dropped sample is missing: ${miss} missing, ${dropped} dropped`);
      // Sent but not seen: one in flight as the broker stopped, plus, when the device was back
      // before the new watcher (its online came retained), what it sent in that time.
      const backFirst = second!.of(n, "status").find((m) => m.text === "online")!.retain;
      const allowance = 1 + (backFirst ? Math.ceil(watcherGapS) + 1 : 0);
      assert.ok(miss - dropped <= allowance, `${n}: ${miss} missing, ${dropped} dropped: ${miss - dropped} unexplained, at most ${allowance} (back before the watcher: ${backFirst})`);
      totalMissing += miss;
      totalDropped += dropped;
      totalUnseen += miss - dropped;
      lines.push(`${n} ${lastBefore.get(n)}->${after[0]} missing ${miss} dropped ${dropped}`);
    }
    process.stderr.write(
      `# restart: all ${N} online ${allOnline - startAt} ms after the broker started (${allOnline - stopAt} ms after it stopped); ` +
        `watcher back ${Math.round(watcherGapS * 1000)} ms after the start; missing ${totalMissing}, dropped ${totalDropped}, sent but unseen ${totalUnseen}\n# ${lines.join("; ")}\n`,
    );
  });

  test(`the harness's fleet view, watching throughout, lists all ${N} online and saw the broker go`, async () => {
    // Its own reconnection is once a second: give it time to be back and see a sample from each.
    await until("the view back", () => view!.connected(), 15000);
    const fresh = (s: FleetSummary) => s.devices.filter((d) => d.online && d.lastSampleAgeMs !== null && d.lastSampleAgeMs < 5000).length;
    await until(`the view sees all ${N} sampling`, () => fresh(view!.summary()) === N, 15000);
    const s = view!.summary();
    assert.deepEqual(s.devices.map((d) => d.name), names());
    assert.equal(s.counts.online, N);
    assert.ok(s.brokerDisconnects >= 1, `broker lost ${s.brokerDisconnects} times`);
    for (const d of s.devices) {
      assert.equal(d.status, "online", d.name);
      assert.equal(d.restarts, 0, d.name);
      // The view missed the restart's samples too: at least the ones the device dropped.
      const dropped = second!.dropped(d.name)! - (first!.dropped(d.name) ?? 0);
      assert.ok(d.missing >= dropped, `${d.name}: the view counts ${d.missing} missing, the device dropped ${dropped}`);
      assert.equal(d.dropped, second!.dropped(d.name), `${d.name}: dropped from the state`);
    }
  });

  test(`harness fleet --json as a child process lists all ${N} online and exits 0; --plot draws each device`, async () => {
    const svg = join(dir, "fleet.svg");
    const r = await harnessFleet(["--mqtt", broker.url, "--seconds", "3", "--json", "--expect", String(N), "--plot", svg]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as FleetSummary & { ok: boolean };
    assert.equal(doc.ok, true);
    assert.equal(doc.counts.devices, N);
    assert.equal(doc.counts.online, N);
    assert.deepEqual(doc.devices.map((d) => [d.name, d.status]), names().map((n) => [n, "online"]));
    assert.ok(doc.devices.every((d) => d.samples >= 1 && d.last !== null), "a sample from each in 3 s");
    // Not a terminal: plain lines, no cursor movement.
    assert.ok(!r.stderr.includes("\x1b["), r.stderr);
    assert.match(r.stderr, /sim-20: online/);
    assert.ok(existsSync(svg));
    const text = readFileSync(svg, "utf8");
    for (const n of names()) assert.ok(text.includes(`data-line="${n}"`), n);
  });

  test("once the devices are gone their wills say offline, and harness fleet exits 1 naming them", async () => {
    await fleet!.stop();
    await until("offline wills", () => names().every((n) => second!.status(n) === "offline"), 20000);
    const r = await harnessFleet(["--mqtt", broker.url, "--seconds", "1", "--json"]);
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as FleetSummary & { ok: boolean; problem: string };
    assert.equal(doc.ok, false);
    assert.equal(doc.counts.offline, N);
    assert.match(doc.problem, new RegExp(`${N} of ${N} not online: sim-01 \\(offline\\)`));
    assert.match(r.stderr, /harness: fleet: 20 of 20 not online/);
  });
});

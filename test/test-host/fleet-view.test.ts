/* `harness fleet`'s model of the fleet (test-host/fleet-view.ts) and its command line, on messages made up here. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fleetVerdict, parseFleetArgs } from "../../test-host/commands/fleet.ts";
import { FleetView, formatFleetTable, parseSampleCsv, rate } from "../../test-host/fleet-view.ts";

const T0 = 1_000_000;

/** A view fed `n` samples a second apart from `name`, seq from `seq0`, arriving from T0 + 1 s. */
function fed(view: FleetView, name: string, seq0: number, n: number, skip: number[] = []): number {
  let t = T0;
  for (let i = 0; i < n; i++) {
    t = T0 + (i + 1) * 1000;
    const seq = seq0 + i;
    if (skip.includes(seq)) continue;
    view.message(`espfw/${name}/sample`, `${seq},${seq * 1000},${100 + i},1240,${i % 2}`, t);
  }
  return t;
}

test("samples, status and state of each device under the prefix; other topics are not taken", () => {
  const events: string[] = [];
  const v = new FleetView("espfw", T0, (e) => events.push(e));
  assert.deepEqual(v.filters(), ["espfw/+/sample", "espfw/+/status", "espfw/+/state"]);
  assert.equal(v.message("espfw/sim-01/status", Buffer.from("online"), T0), true);
  v.message("espfw/sim-01/state", '{"name":"sim-01","version":"0.1.0","ip":"127.0.0.1","rssi":-58,"uptime":1200,"free":1252,"led":0,"dropped":2}', T0);
  const t = fed(v, "sim-01", 5, 4);
  assert.equal(v.message("other/sim-01/sample", "1,1,1,1,1", t), false);
  assert.equal(v.message("espfw/sim-01/frame", "x", t), false);
  assert.equal(v.message("espfw/a/b/sample", "1,1,1,1,1", t), false);
  const [d] = v.summaryDevices(t);
  assert.equal(d.name, "sim-01");
  assert.equal(d.status, "online");
  assert.equal(d.online, true);
  assert.deepEqual(d.last, { seq: 8, ms: 8000, a0: 103, free: 1240, led: 1 });
  assert.equal(d.firstSeq, 5);
  assert.equal(d.samples, 4);
  assert.equal(d.missing, 0);
  assert.equal(d.dropped, 2);
  assert.equal(d.state?.rssi, -58);
  assert.equal(d.periodMs, 1000);
  assert.equal(d.lastSampleAgeMs, 0);
  assert.deepEqual(events, ["sim-01: seen", "sim-01: online"]);
});

test("missing seq are counted, with the places they were missing from; seq going back is a restart, not a gap", () => {
  const events: string[] = [];
  const v = new FleetView("espfw", T0, (e) => events.push(e));
  const t = fed(v, "a", 1, 12, [4, 8, 9, 10]);
  v.message("espfw/a/sample", "1,500,1,1240,0", t + 1000);
  v.message("espfw/a/sample", "2,1500,1,1240,0", t + 2000);
  const [d] = v.summaryDevices(t + 2000);
  assert.equal(d.missing, 4);
  assert.equal(d.gaps, 2);
  assert.equal(d.restarts, 1);
  assert.ok(events.includes("a: 1 sample missing (seq 4)"), events.join("|"));
  assert.ok(events.includes("a: 3 samples missing (seq 8..10)"), events.join("|"));
  assert.ok(events.includes("a: seq back from 12 to 1 (the device restarted)"), events.join("|"));
});

test("what is not what a device sends is counted as bad and changes nothing", () => {
  const v = new FleetView("espfw", T0);
  for (const p of ["", "1,2,3", "1,2,3,4,x", "a,b,c,d,e", "1,2,3,4,5,6"]) v.message("espfw/a/sample", p, T0);
  v.message("espfw/a/state", "{not json", T0);
  v.message("espfw/a/state", "[1]", T0);
  const [d] = v.summaryDevices(T0);
  assert.equal(d.bad, 7);
  assert.equal(d.samples, 0);
  assert.equal(d.state, null);
  assert.equal(parseSampleCsv(" 3,4000,512,1240,1\r\n")?.seq, 3);
});

test("the rate is samples a second over the last 10 s, and falls once a device goes quiet", () => {
  assert.equal(rate([T0], T0), null);
  // One a second for 30 s: 1.00 at any moment between two samples.
  const a = Array.from({ length: 30 }, (_, i) => T0 + i * 1000);
  assert.equal(rate([...a], T0 + 29_000), 1);
  assert.equal(rate([...a], T0 + 29_900), 1);
  // Two a second.
  const b = Array.from({ length: 40 }, (_, i) => T0 + i * 500);
  assert.equal(rate([...b], T0 + 19_700), 2);
  // Quiet for 5 s after 30 s at one a second: the rate drops; after 10 s, below one in ten.
  assert.ok(rate([...a], T0 + 34_000)! < 0.7);
  assert.ok(rate([...a], T0 + 45_000)! < 0.1);
  // The window keeps its samples and the one before them, no more.
  const c = [...a];
  rate(c, T0 + 29_000);
  assert.equal(c.length, 11);
});

test("online but silent: no sample for three periods and at least 10 s", () => {
  const v = new FleetView("espfw", T0);
  v.message("espfw/a/status", "online", T0);
  const t = fed(v, "a", 1, 3);
  assert.equal(v.summaryDevices(t + 9000)[0].silent, false);
  assert.equal(v.summaryDevices(t + 11_000)[0].silent, true);
  v.message("espfw/a/status", "offline", t + 11_000);
  assert.equal(v.summaryDevices(t + 11_000)[0].silent, false, "offline is offline, not silent");
});

test("the summary counts devices, online, offline and silent; the verdict names what is wrong", () => {
  const v = new FleetView("espfw", T0);
  v.message("espfw/b/status", "online", T0);
  v.message("espfw/a/status", "online", T0);
  v.message("espfw/c/status", "offline", T0);
  fed(v, "a", 1, 3);
  fed(v, "b", 1, 3, [2]);
  const s = v.summary(T0 + 3000, "mqtt://127.0.0.1:1883");
  assert.deepEqual(s.devices.map((d) => d.name), ["a", "b", "c"]);
  assert.deepEqual(s.counts, { devices: 3, online: 2, offline: 1, silent: 0, samples: 5, missing: 1 });
  assert.equal(s.broker, "mqtt://127.0.0.1:1883");
  assert.equal(s.durationMs, 3000);
  assert.equal(fleetVerdict(s, 1), "1 of 3 not online: c (offline)");
  assert.equal(fleetVerdict(s, 3), "1 of 3 not online: c (offline); 2 online, 3 expected");
  const ok = new FleetView("espfw", T0);
  ok.message("espfw/a/status", "online", T0);
  assert.equal(fleetVerdict(ok.summary(T0, "x"), 1), null);
  assert.equal(fleetVerdict(new FleetView("espfw", T0).summary(T0, "x"), 1), "no device seen under espfw/; 0 online, 1 expected");
});

test("the table has a heading and one aligned line per device", () => {
  const v = new FleetView("espfw", T0);
  v.message("espfw/sim-01/status", "online", T0);
  v.message("espfw/sim-01/state", '{"dropped":3}', T0);
  fed(v, "sim-01", 1, 5, [3]);
  v.message("espfw/sim-02/status", "offline", T0);
  const text = formatFleetTable(v.summary(T0 + 5500, "mqtt://h:1883"), 30);
  const lines = text.split("\n");
  assert.match(lines[0], /^fleet espfw\/\+ on mqtt:\/\/h:1883: 2 devices, 1 online, 1 not; 4 samples, 1 missing; 5\.5\/30 s$/);
  assert.match(lines[1], /^device\s+status\s+seq\s+a0\s+free\s+led\s+rate\/s\s+missing \(gaps\)\s+dropped\s+last sample$/);
  // The rate is of samples received: seq 3 missing, 3 intervals over 4 s.
  assert.match(lines[3], /^sim-01\s+online\s+5\s+104\s+1240\s+0\s+0\.75\s+1 \(1\)\s+3\s+0\.5 s$/);
  assert.match(lines[4], /^sim-02\s+offline\s+-\s+-\s+-\s+-\s+-\s+0 \(0\)\s+-\s+-$/);
  // Columns line up: "seq" ends where each seq ends.
  assert.equal(lines[1].indexOf("seq") + 3, lines[3].indexOf(" 5 ") + 2);
  assert.match(formatFleetTable(new FleetView("espfw", T0).summary(T0, "x")), /no device seen yet under espfw\//);
});

test("the chart has a line per device in the a0 and free panels, a legend, and the devices online", () => {
  const v = new FleetView("espfw", T0);
  for (const n of ["sim-01", "sim-02", "sim-03"]) {
    v.message(`espfw/${n}/status`, "online", T0);
    fed(v, n, 1, 4);
  }
  for (let i = 1; i <= 4; i++) v.tick(T0 + i * 1000);
  const svg = v.plot("3 devices");
  assert.match(svg, /^<svg xmlns/);
  for (const n of ["sim-01", "sim-02", "sim-03"]) assert.equal((svg.match(new RegExp(`data-line="${n}"`, "g")) ?? []).length, 2, n);
  assert.equal((svg.match(/class="legend"/g) ?? []).length, 1);
  assert.equal((svg.match(/class="panel"/g) ?? []).length, 4);
  assert.ok(svg.includes("devices online (count)"));
  assert.ok(!svg.includes("NaN"));
});

test("fleet's command line: defaults, --json alone or with a file, and what it refuses", () => {
  const a = parseFleetArgs(["--mqtt", "mqtt://127.0.0.1:1883"]);
  assert.deepEqual(a, { mqtt: "mqtt://127.0.0.1:1883", prefix: "espfw", expect: 1, connectTimeout: 5000, help: false });
  assert.equal(parseFleetArgs(["--mqtt", "mqtt://h", "--json", "--seconds", "5"]).json, true);
  assert.equal(parseFleetArgs(["--mqtt", "mqtt://h", "--json"]).json, true);
  assert.equal(parseFleetArgs(["--mqtt", "mqtt://h", "--json", "out.json"]).json, "out.json");
  assert.equal(parseFleetArgs(["--mqtt", "mqtt://h", "--json=o.json"]).json, "o.json");
  const b = parseFleetArgs(["--mqtt=mqtt://h:1884", "--prefix", "home", "--seconds", "2.5", "--plot", "f.svg", "--expect", "20"]);
  assert.equal(b.prefix, "home");
  assert.equal(b.seconds, 2.5);
  assert.equal(b.plot, "f.svg");
  assert.equal(b.expect, 20);
  assert.equal(parseFleetArgs(["--help"]).help, true);
  const usage = (argv: string[], re: RegExp): void => {
    assert.throws(() => parseFleetArgs(argv), (e: Error & { code?: string }) => e.code === "EUSAGE" && re.test(e.message), argv.join(" "));
  };
  usage([], /--mqtt is needed/);
  usage(["--mqtt"], /--mqtt needs a value/);
  usage(["--mqtt", "mqtts://h"], /plain MQTT over TCP/);
  usage(["--mqtt", "not a url"], /--mqtt wants a URL/);
  usage(["--mqtt", "mqtt://h", "--prefix", "a/b"], /topic prefix/);
  usage(["--mqtt", "mqtt://h", "--prefix", "#"], /topic prefix/);
  usage(["--mqtt", "mqtt://h", "--seconds", "0"], /--seconds wants a number/);
  usage(["--mqtt", "mqtt://h", "--plot", "f.png"], /SVG/);
  usage(["--mqtt", "mqtt://h", "--target", "sim"], /unknown option --target for fleet/);
  usage(["--mqtt", "mqtt://h", "extra"], /no other words/);
  // A password in the URL never comes back in a message.
  assert.throws(() => parseFleetArgs(["--mqtt", "mqtts://u:hunter2@h"]), (e: Error) => !e.message.includes("hunter2"));
});

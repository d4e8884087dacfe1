/*
 * One device's MQTT behaviour through a standard MQTT 3.1.1 broker (`harness check --target
 * mqtt://host:port`, commands/check-mqtt.ts; docs/HARNESS.md). The harness is only another client
 * of the broker: it subscribes to the device's topics (`<prefix>/<name>/#`), publishes on
 * `led/set`, and reads what the broker keeps (retained messages) with short-lived clients of its
 * own. Nothing here needs control of the broker or anything beyond MQTT 3.1.1, so the same
 * checks run against Mosquitto, EMQX or VerneMQ.
 *
 * The device's side is firmware/lazy/mqtt.ts (topics, retained messages, QoS, the bounds IN_MAX
 * and FLOOD_MAX, the backoff) and firmware/lazy/mqtt-ha.ts (Home Assistant discovery). Their
 * figures are repeated below rather than imported: the harness holds the device to its contract
 * and decodes what it sends with its own code (test-host/frame.ts, test-host/line-client.ts).
 */
import { spawn } from "node:child_process";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { decodeFrame } from "../frame.ts";
import { HarnessError, messageOf } from "../errors.ts";
import { parseSample, type SampleLine } from "../line-client.ts";
import { type CheckResult, progress } from "../report.ts";
import { sleep } from "../tcp.ts";
import { CheckFailure, type CheckOutcome, CheckSkip, expect, fail } from "./context.ts";

/** Largest packet the device takes from the broker, in bytes (firmware/lazy/mqtt.ts, IN_MAX). */
export const DEVICE_IN_MAX = 256;
/** PUBLISHes from the broker in one second past which the device cuts the connection (FLOOD_MAX). */
export const DEVICE_FLOOD_MAX = 20;
/** The device's first reconnection wait, drawn between half and one and a half times it (BACKOFF_MIN_MS). */
export const DEVICE_BACKOFF_MIN_MS = 1000;
export const DEVICE_BACKOFF_MAX_MS = 60000;
/** Time allowed beyond the device's wait for it to connect again and say online (a radio, a busy broker). */
export const BACK_SLACK_MS = 2500;
/** The device is back within the longest first wait (1.5 s) and the slack. */
export const BACK_WITHIN_MS = 1.5 * DEVICE_BACKOFF_MIN_MS + BACK_SLACK_MS;

/** How to reach the broker; the password is never printed. */
export interface MqttLink {
  host: string;
  port: number;
  username?: string;
  password?: string;
  connectTimeoutMs: number;
}

/** One message as a client of the broker received it. */
export interface MqttMsg {
  topic: string;
  payload: Buffer;
  /** The payload as bytes, one char each. */
  text: string;
  /** Set only on messages the broker sent because of a new subscription (a retained message). */
  retain: boolean;
  /** The QoS it was delivered at (at most the subscription's, at most the publisher's). */
  qos: number;
  at: number;
}

let clientCount = 0;

/** A client id of the harness's own, never a device's: at most 23 characters, which every MQTT 3.1.1 broker takes. */
export function harnessClientId(what: string): string {
  return `espfwchk${what.slice(0, 1)}${++clientCount}-${process.pid.toString(36)}${Math.random().toString(16).slice(2, 6)}`.slice(0, 23);
}

/**
 * Connects a client; rejects with HarnessError ECONNECT when the broker cannot be reached, refuses
 * the connection (CONNACK) or does not answer in time. `extra` may set the client id, a will...
 */
export function connectClient(link: MqttLink, extra: IClientOptions, what: string): Promise<MqttClient> {
  const where = `mqtt://${link.host.includes(":") ? `[${link.host}]` : link.host}:${link.port}`;
  const client = mqtt.connect({
    protocol: "mqtt",
    protocolVersion: 4,
    host: link.host,
    port: link.port,
    username: link.username,
    password: link.password,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: link.connectTimeoutMs,
    ...extra,
  });
  return new Promise<MqttClient>((res, rej) => {
    let done = false;
    const t = setTimeout(() => finish(new HarnessError("ECONNECT", `cannot reach the MQTT broker ${where} (${what}): no answer in ${link.connectTimeoutMs} ms`)), link.connectTimeoutMs + 500);
    const finish = (e: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(t);
      if (e === null) return res(client);
      client.end(true);
      rej(e);
    };
    client.once("connect", () => finish(null));
    client.once("error", (e: Error & { code?: string | number }) =>
      finish(new HarnessError("ECONNECT", typeof e.code === "number" ? `the MQTT broker ${where} refused ${what}: ${messageOf(e)}` : `cannot reach the MQTT broker ${where} (${what}): ${messageOf(e)}`)),
    );
    client.once("close", () => finish(new HarnessError("ECONNECT", `the MQTT broker ${where} closed the connection of ${what}`)));
  });
}

function toMsg(topic: string, payload: Buffer, packet: { retain?: boolean; qos?: number }): MqttMsg {
  return { topic, payload, text: payload.toString("latin1"), retain: packet.retain === true, qos: packet.qos ?? 0, at: Date.now() };
}

/**
 * The harness's watching client: every message under the filters, in order of arrival, with the
 * times the connection to the broker was lost and got back (it reconnects by itself and
 * subscribes again, for a broker restart).
 */
export class MqttRecorder {
  readonly msgs: MqttMsg[] = [];
  /** When the connection was lost, and when it was subscribed again after that (its SUBACK). */
  readonly lost: number[] = [];
  readonly back: number[] = [];
  private constructor(readonly client: MqttClient) {}

  static async open(link: MqttLink, filters: Record<string, { qos: 0 | 1 }>): Promise<MqttRecorder> {
    // It reconnects by itself; it subscribes again itself too, to know when that took effect.
    const client = await connectClient(link, { clientId: harnessClientId("watch"), reconnectPeriod: 300, resubscribe: false }, "the harness's watching client");
    const r = new MqttRecorder(client);
    client.on("message", (topic, payload, packet) => r.msgs.push(toMsg(topic, payload, packet)));
    client.on("error", () => {});
    try {
      await client.subscribeAsync(filters);
    } catch (e) {
      client.end(true);
      throw new HarnessError("ECONNECT", `the MQTT broker refused the harness's subscription: ${messageOf(e)}`);
    }
    client.on("close", () => {
      if (r.lost.length === r.back.length) r.lost.push(Date.now());
    });
    client.on("connect", () => {
      // Back once subscribed again (SUBACK): from then on nothing the device publishes is missed.
      client.subscribeAsync(filters).then(
        () => {
          if (r.lost.length > r.back.length) r.back.push(Date.now());
        },
        () => {},
      );
    });
    return r;
  }

  mark(): number {
    return this.msgs.length;
  }

  since(from: number, topic?: string): MqttMsg[] {
    const out = this.msgs.slice(from);
    return topic === undefined ? out : out.filter((m) => m.topic === topic);
  }

  /** The first message from index `from` on that `pred` accepts; a CheckFailure naming `what` after `timeoutMs`. */
  async waitFor(what: string, from: number, pred: (m: MqttMsg) => boolean, timeoutMs: number): Promise<MqttMsg> {
    const end = Date.now() + timeoutMs;
    let i = from;
    for (;;) {
      for (; i < this.msgs.length; i++) if (pred(this.msgs[i])) return this.msgs[i];
      if (Date.now() > end) fail(`no ${what} within ${fmtMs(timeoutMs)}`);
      await sleep(20);
    }
  }

  close(): Promise<void> {
    return new Promise<void>((r) => this.client.end(true, {}, () => r()));
  }
}

/**
 * What the broker keeps under `filters`, read by a client of its own: every message it gets until
 * `quietMs` pass without one (at most `maxMs`), or until `enough` says so. Live messages (the
 * device publishing as it subscribes) come with `retain` false.
 */
export async function probeRetained(link: MqttLink, filters: string[], o: { quietMs?: number; maxMs?: number; enough?: (got: MqttMsg[]) => boolean } = {}): Promise<MqttMsg[]> {
  const quiet = o.quietMs ?? 400;
  const end = Date.now() + (o.maxMs ?? 3000);
  const c = await connectClient(link, { clientId: harnessClientId("probe") }, "the harness's probe");
  const got: MqttMsg[] = [];
  c.on("message", (topic, payload, packet) => got.push(toMsg(topic, payload, packet)));
  try {
    await c.subscribeAsync(Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }])));
    let last = Date.now();
    let n = 0;
    while (Date.now() < end) {
      if (got.length !== n) {
        n = got.length;
        last = Date.now();
      }
      if (o.enough?.(got)) break;
      if (Date.now() - last >= quiet) break;
      await sleep(25);
    }
  } finally {
    await new Promise<void>((r) => c.end(true, {}, () => r()));
  }
  return got;
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** Runs a shell command (a broker restart, --restart-cmd) with its output on stderr; rejects unless it exits 0. */
export function runShell(cmd: string, timeoutMs = 120000): Promise<void> {
  return new Promise<void>((res, rej) => {
    const child = spawn("sh", ["-c", cmd], { stdio: ["ignore", process.stderr, process.stderr] });
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      rej(new CheckFailure(`--restart-cmd did not end within ${fmtMs(timeoutMs)}`));
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(t);
      rej(new CheckFailure(`--restart-cmd could not run: ${messageOf(e)}`));
    });
    child.on("exit", (code, signal) => {
      clearTimeout(t);
      if (code === 0) res();
      else rej(new CheckFailure(`--restart-cmd exited with ${code ?? signal}`));
    });
  });
}

export interface MqttCheckContext {
  link: MqttLink;
  /** The broker for people: host and port, never a credential. */
  broker: string;
  prefix: string;
  device: string;
  /** `<prefix>/<device>/`. */
  base: string;
  /** Home Assistant's discovery prefix, or null when not checked (--ha off). */
  ha: string | null;
  periodMs: number;
  watch: MqttRecorder;
  /** Restarts the broker (--restart-cmd, or a test's own); none: mqtt.restart is skipped. */
  restart?: () => Promise<void>;
  /** Figures for the JSON summary. */
  notes: Record<string, unknown>;
}

export interface MqttCheck {
  name: string;
  run(ctx: MqttCheckContext): Promise<string | CheckOutcome>;
}

// ---------------------------------------------------------------------------------------------
// Samples, the state, and what the device does after it lost the broker.

interface Sample extends SampleLine {
  at: number;
}

function toSample(m: MqttMsg): Sample {
  try {
    return { ...parseSample(m.text), at: m.at };
  } catch (e) {
    fail(`a message on ${m.topic} is not the line protocol's sample: ${messageOf(e)}`);
  }
}

/** The samples received from index `from` on. */
function samplesSince(ctx: MqttCheckContext, from: number): Sample[] {
  return ctx.watch.since(from, ctx.base + "sample").map(toSample);
}

/** Waits for `n` samples received from index `from` on (n + 1.5 periods and 2 s at most). */
async function collectSamples(ctx: MqttCheckContext, from: number, n: number): Promise<Sample[]> {
  const end = Date.now() + (n + 1.5) * ctx.periodMs + 2000;
  for (;;) {
    const s = samplesSince(ctx, from);
    if (s.length >= n) return s;
    if (Date.now() > end) fail(`${s.length} samples on ${ctx.base}sample in ${fmtMs((n + 1.5) * ctx.periodMs + 2000)}, want ${n} at one per ${fmtMs(ctx.periodMs)}${s.length > 0 ? " (--period says how often the device samples)" : ""}`);
    await sleep(25);
  }
}

interface DeviceState {
  name: string;
  version: string;
  ip: string;
  rssi: number | null;
  uptime: number;
  free: number;
  led: number;
  dropped: number;
}

const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;
const whole = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

/** The `state` JSON checked field by field (firmware/lazy/mqtt.ts, mqttState). */
export function parseState(text: string, device: string): DeviceState {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    fail(`state is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  expect(typeof o === "object" && o !== null && !Array.isArray(o), `state is not a JSON object: ${JSON.stringify(text.slice(0, 80))}`);
  const bad: string[] = [];
  if (o.name !== device) bad.push(`name ${JSON.stringify(o.name)} (want ${JSON.stringify(device)})`);
  if (typeof o.version !== "string" || o.version === "") bad.push(`version ${JSON.stringify(o.version)}`);
  if (typeof o.ip !== "string" || !IPV4.test(o.ip)) bad.push(`ip ${JSON.stringify(o.ip)}`);
  if (!(o.rssi === null || (typeof o.rssi === "number" && Number.isInteger(o.rssi) && o.rssi <= 0 && o.rssi >= -130))) bad.push(`rssi ${JSON.stringify(o.rssi)} (dBm or null)`);
  if (!whole(o.uptime)) bad.push(`uptime ${JSON.stringify(o.uptime)}`);
  if (!whole(o.free) || o.free === 0) bad.push(`free ${JSON.stringify(o.free)}`);
  if (o.led !== 0 && o.led !== 1) bad.push(`led ${JSON.stringify(o.led)} (0 or 1)`);
  if (!whole(o.dropped)) bad.push(`dropped ${JSON.stringify(o.dropped)}`);
  expect(bad.length === 0, `state: ${bad.join(", ")}`);
  return o as unknown as DeviceState;
}

/** Where the device was before it was made to lose the broker. */
interface Before {
  seq: number;
  ms: number;
  dropped: number;
  mark: number;
}

/** The last sample (waiting for a fresh one when the last is older than a period and a half) and the state's dropped count. */
async function before(ctx: MqttCheckContext): Promise<Before> {
  const all = ctx.watch.since(0, ctx.base + "sample");
  let last = all.at(-1);
  if (last === undefined || Date.now() - last.at > 1.5 * ctx.periodMs) {
    last = await ctx.watch.waitFor("sample from the device", ctx.watch.mark(), (m) => m.topic === ctx.base + "sample", 2 * ctx.periodMs + 2000);
  }
  const s = toSample(last);
  const st = ctx.watch.since(0, ctx.base + "state").at(-1);
  expect(st !== undefined, `no state from the device on ${ctx.base}state`);
  return { seq: s.seq, ms: s.ms, dropped: parseState(st.text, ctx.device).dropped, mark: ctx.watch.mark() };
}

interface Back {
  /** The last sample of the old connection, the first of the new one, the state published as it connected. */
  last: { seq: number; ms: number };
  first: Sample;
  state: DeviceState;
  missing: number;
  /** Missing seq due before the device was back (it counts them dropped), and due after it (lost by someone else). */
  whileAway: number;
  afterBack: number;
  droppedDelta: number;
}

/**
 * After the device lost the broker: the state it publishes at its new connection (the first
 * `state` from message `stateFrom` on with an uptime past `b`), and the samples on either side of
 * that moment by the device's own clock; every missing seq accounted for. A sample not sent
 * leaves its gap and the device counts it dropped (its state's `dropped`), so the seq missing
 * while it was away must equal the rise in dropped, give or take one sample in flight when the
 * connection went. Seq due after it was back and never received are allowed only before
 * `watcherBackAt` (the harness's own client away from the broker too, in a broker restart).
 */
async function accountGap(ctx: MqttCheckContext, b: Before, stateFrom: number, limitMs: number, watcherBackAt = 0): Promise<Back> {
  const stMsg = await ctx.watch.waitFor("state from the device's new connection", stateFrom, (m) => m.topic === ctx.base + "state" && parseState(m.text, ctx.device).uptime > b.ms, limitMs);
  const state = parseState(stMsg.text, ctx.device);
  const firstMsg = await ctx.watch.waitFor("sample after the device was back", b.mark, (m) => m.topic === ctx.base + "sample" && toSample(m).ms > state.uptime, ctx.periodMs + 3000);
  const first = toSample(firstMsg);
  // The samples of the old connection after `b`, received before it went: no gap among them.
  let last = { seq: b.seq, ms: b.ms };
  for (const s of samplesSince(ctx, b.mark).filter((x) => x.ms < state.uptime)) {
    expect(s.seq === last.seq + 1, `seq ${last.seq} then ${s.seq} before the device lost the broker`);
    last = s;
  }
  expect(first.seq > last.seq, `seq went back from ${last.seq} to ${first.seq}: the device restarted, or seq does not go on while the broker is away`);
  const missing = first.seq - last.seq - 1;
  let whileAway = 0;
  let afterBack = 0;
  // Where this machine's clock stood at device uptime 0 (the earliest arrival of a sample: least latency).
  const zero = Math.min(...samplesSince(ctx, 0).map((s) => s.at - s.ms));
  for (let k = last.seq + 1; k < first.seq; k++) {
    const due = last.ms + (k - last.seq) * ctx.periodMs;
    if (due < state.uptime) whileAway++;
    else {
      afterBack++;
      expect(
        due + zero < watcherBackAt + 500,
        `seq ${k} missing: due after the device was back online (by its clock)${watcherBackAt > 0 ? `, ${Math.round(due + zero - watcherBackAt)} ms after the harness was subscribed again,` : ", with the harness subscribed,"} and never received`,
      );
    }
  }
  const droppedDelta = state.dropped - b.dropped;
  expect(
    whileAway === droppedDelta || whileAway === droppedDelta + 1,
    `seq ${last.seq} then ${first.seq}: ${whileAway} samples missing while the device was away, and its state's dropped went from ${b.dropped} to ${state.dropped} (+${droppedDelta})${whileAway > droppedDelta ? ": samples lost without the device counting them" : ""}`,
  );
  // seq goes on with the device's clock: one period a seq, the gap included.
  const drift = first.ms - last.ms - (first.seq - last.seq) * ctx.periodMs;
  expect(Math.abs(drift) <= Math.max(250, ctx.periodMs / 4), `seq ${last.seq} at ${last.ms} ms then ${first.seq} at ${first.ms} ms: ${first.seq - last.seq} periods of ${fmtMs(ctx.periodMs)} should be ${(first.seq - last.seq) * ctx.periodMs} ms on the device's clock`);
  return { last, first, state, missing, whileAway, afterBack, droppedDelta };
}

function gapText(back: Back): string {
  const inFlight = back.whileAway - back.droppedDelta;
  return `seq ${back.last.seq} → ${back.first.seq}: ${back.missing} missing, ${back.droppedDelta} counted dropped by the device${inFlight > 0 ? ", 1 in flight as the connection went" : ""}${back.afterBack > 0 ? `, ${back.afterBack} sent before the harness was subscribed again` : ""}`;
}

/**
 * Something cut the device off at `cutAt` (its connection closed by the broker or by itself):
 * whether the broker published the will (`offline`), the device back `online` within `limitMs`,
 * samples resuming with the gap accounted for, the time away matching the gap.
 */
async function cutAndBack(ctx: MqttCheckContext, b: Before, cutAt: number, limitMs: number, mustCut: string | null): Promise<{ detail: string; data: Record<string, unknown> }> {
  const status = ctx.base + "status";
  if (mustCut !== null) {
    await ctx.watch.waitFor(`offline (the device's will) on ${status}: the device did not cut the connection after ${mustCut}`, b.mark, (m) => m.topic === status && m.text === "offline", 3000);
  }
  const on = await ctx.watch.waitFor(`online on ${status} within ${fmtMs(limitMs)}: the device did not come back`, b.mark, (m) => m.topic === status && m.text === "online", limitMs + 1000);
  const awayMs = on.at - cutAt;
  expect(awayMs <= limitMs, `back online ${fmtMs(awayMs)} after, over ${fmtMs(limitMs)} (its backoff's first wait, 0.5..1.5 s, and ${fmtMs(BACK_SLACK_MS)})`);
  const will = ctx.watch.since(b.mark, status).some((m) => m.text === "offline" && m.at <= on.at);
  const back = await accountGap(ctx, b, ctx.watch.msgs.indexOf(on), 3000);
  // Samples due while it was away: one per period, give or take the tick's phase and one in flight.
  const due = awayMs / ctx.periodMs;
  expect(Math.abs(back.whileAway - due) <= 2, `${back.whileAway} samples missing for ${fmtMs(awayMs)} away at one per ${fmtMs(ctx.periodMs)} (about ${due.toFixed(1)})`);
  return {
    detail: `back online after ${fmtMs(awayMs)}${will ? " (will: offline)" : " (no will seen)"}; ${gapText(back)}`,
    data: { awayMs, will, lastSeq: back.last.seq, firstSeq: back.first.seq, missing: back.missing, droppedDelta: back.droppedDelta },
  };
}

// ---------------------------------------------------------------------------------------------
// The checks.

/** The seq of each step, its command and the LED it leaves, from LED `a` (0 or 1). */
function ledSteps(a: number): Array<[string, number]> {
  const word = (v: number): string => (v ? "ON" : "OFF");
  const b = 1 - a;
  return [
    [word(b), b],
    [word(b), b],
    ["TOGGLE", a],
    ["TOGGLE", b],
    [word(a), a],
  ];
}

async function retainedLed(ctx: MqttCheckContext): Promise<MqttMsg> {
  const got = await probeRetained(ctx.link, [ctx.base + "led"], { enough: (g) => g.length > 0, maxMs: 2000 });
  const m = got.find((x) => x.retain);
  expect(m !== undefined, `no retained message on ${ctx.base}led (the device publishes its LED, retained, at each connection)`);
  expect(m.text === "ON" || m.text === "OFF", `retained ${ctx.base}led is ${JSON.stringify(m.text)}, want ON or OFF`);
  return m;
}

/** A byte payload that fits under the device's IN_MAX with its topic (the packet at most 200 bytes). */
function underInMax(topic: string, payload: Buffer): Buffer {
  const room = 200 - (Buffer.byteLength(topic) + 2 + 2 + 3);
  return payload.subarray(0, Math.max(0, room));
}

/** HA's `~`: the base topic at the start or the end of a topic value. */
function expandTilde(v: unknown, base: string): string {
  if (typeof v !== "string") return "";
  if (v.startsWith("~")) return base + v.slice(1);
  if (v.endsWith("~")) return v.slice(0, -1) + base;
  return v;
}

const HA_ENTITIES: Array<{ component: string; object: string; stat: string; column?: number; json?: string; cmd?: string }> = [
  { component: "sensor", object: "a0", stat: "sample", column: 2 },
  { component: "sensor", object: "free", stat: "sample", column: 3 },
  { component: "sensor", object: "uptime", stat: "sample", column: 1 },
  { component: "sensor", object: "rssi", stat: "state", json: "rssi" },
  { component: "switch", object: "led", stat: "led", cmd: "led/set" },
];

export const MQTT_CHECKS: MqttCheck[] = [
  {
    name: "mqtt.status",
    async run(ctx) {
      const got = await probeRetained(ctx.link, [ctx.base + "status"], { enough: (g) => g.length > 0, maxMs: 2000 });
      const m = got.find((x) => x.retain);
      expect(m !== undefined, `no retained message on ${ctx.base}status`);
      expect(m.text === "online", `retained ${ctx.base}status is ${JSON.stringify(m.text)}, want "online"`);
      expect(m.qos === 1, `retained status delivered at QoS ${m.qos} to a QoS 1 subscription: the device published it at QoS 0 (want 1)`);
      return "online, retained, QoS 1";
    },
  },
  {
    name: "mqtt.sample",
    async run(ctx) {
      const from = ctx.watch.mark();
      const s = await collectSamples(ctx, from, 4);
      const seqs = s.map((x) => x.seq);
      for (let i = 1; i < s.length; i++) expect(s[i].seq === s[i - 1].seq + 1, `seq ${seqs.join(",")}: want each one more than the last`);
      const devMean = (s.at(-1)!.ms - s[0].ms) / (s.length - 1);
      expect(Math.abs(devMean - ctx.periodMs) <= ctx.periodMs * 0.1, `samples ${Math.round(devMean)} ms apart on the device's clock, want ${ctx.periodMs} (--period ${ctx.periodMs / 1000}) ± 10%`);
      const wallMean = (s.at(-1)!.at - s[0].at) / (s.length - 1);
      expect(Math.abs(wallMean - ctx.periodMs) <= ctx.periodMs * 0.25, `samples arrived ${Math.round(wallMean)} ms apart, want ${ctx.periodMs} ± 25%`);
      const q = ctx.watch.since(from, ctx.base + "sample").filter((m) => m.retain);
      expect(q.length === 0, "a sample came retained (samples are not retained)");
      ctx.notes.periodMs = ctx.periodMs;
      return { detail: `${s.length} samples, seq ${seqs[0]}..${seqs.at(-1)}, ${Math.round(devMean)} ms apart (device), ${Math.round(wallMean)} ms (arrival)`, data: { seqs, deviceMs: devMean, arrivalMs: wallMean } };
    },
  },
  {
    name: "mqtt.frame",
    async run(ctx) {
      const sampleTopic = ctx.base + "sample";
      const frameTopic = ctx.base + "frame";
      const have = (): number => ctx.watch.since(0, frameTopic).length;
      if (have() < 3) await collectSamples(ctx, ctx.watch.mark(), 3);
      // A frame follows its CSV line: give the last one a moment.
      await sleep(200);
      const csv = new Map<number, Sample>();
      for (const m of ctx.watch.since(0, sampleTopic)) {
        const s = toSample(m);
        csv.set(s.seq & 0xffff, s);
      }
      const frames = ctx.watch.since(0, frameTopic);
      expect(frames.length >= 3, `${frames.length} messages on ${frameTopic}, want one per sample`);
      for (const f of frames) {
        expect(f.payload.length === 16, `a frame of ${f.payload.length} bytes, want 16`);
        const d = decodeFrame(f.payload);
        if (!d.ok) fail(`a frame does not decode: ${d.error} ${d.detail}`);
        const s = csv.get(d.frame.seq);
        expect(s !== undefined, `frame seq ${d.frame.seq}: no CSV sample with that seq`);
        const want = [s.seq & 0xffff, s.ms >>> 0, s.a0, s.free & 0xffff, s.led].join(",");
        const got = [d.frame.seq, d.frame.ms, d.frame.a0, d.frame.free, d.frame.led].join(",");
        expect(got === want, `frame ${got} differs from the CSV sample of the same seq ${s.seq},${s.ms},${s.a0},${s.free},${s.led}`);
        expect(d.frame.wifiUp, `frame seq ${d.frame.seq}: the Wi-Fi bit is clear on a device that is connected`);
      }
      const unmatched = [...csv.values()].filter((s) => !frames.some((f) => f.payload.length === 16 && (f.payload[2] | (f.payload[3] << 8)) === (s.seq & 0xffff)));
      // Every sample has its frame, but the last, whose frame may still be on its way.
      expect(unmatched.length <= 1, `${unmatched.length} samples without a frame (seq ${unmatched.map((s) => s.seq).slice(0, 8).join(",")})`);
      return { detail: `${frames.length} frames of 16 bytes, each the CSV sample of its seq`, data: { frames: frames.length } };
    },
  },
  {
    name: "mqtt.state",
    async run(ctx) {
      const got = await probeRetained(ctx.link, [ctx.base + "state"], { enough: (g) => g.length > 0, maxMs: 2000 });
      const m = got.find((x) => x.retain);
      expect(m !== undefined, `no retained message on ${ctx.base}state`);
      const st = parseState(m.text, ctx.device);
      const extra = Object.keys(JSON.parse(m.text) as object).filter((k) => !["name", "version", "ip", "rssi", "uptime", "free", "led", "dropped"].includes(k));
      ctx.notes.version = st.version;
      return { detail: `retained: ${st.name} ${st.version}, ip ${st.ip}, rssi ${st.rssi ?? "null"}, uptime ${st.uptime} ms, free ${st.free}, led ${st.led}, dropped ${st.dropped}${extra.length ? `; more fields: ${extra.join(", ")}` : ""}`, data: { state: st } };
    },
  },
  {
    name: "mqtt.led",
    async run(ctx) {
      const ledTopic = ctx.base + "led";
      const initial = await retainedLed(ctx);
      expect(initial.qos === 1, `retained led delivered at QoS ${initial.qos}: published at QoS 0 (want 1)`);
      const a = initial.text === "ON" ? 1 : 0;
      const answers: string[] = [];
      let k = 0;
      let cur = a;
      try {
        for (const [word, want] of ledSteps(a)) {
          const from = ctx.watch.mark();
          const sent = Date.now();
          await ctx.watch.client.publishAsync(ctx.base + "led/set", word, { qos: 1 });
          const wantText = want ? "ON" : "OFF";
          if (k === 1) {
            // The same word again: the LED stays; the device need not answer, and must not say otherwise.
            await sleep(600);
            const wrong = ctx.watch.since(from, ledTopic).find((m) => m.text !== wantText);
            expect(wrong === undefined, `${word} with the LED already ${wantText} answered ${JSON.stringify(wrong?.text)}`);
            answers.push(`${word}: stays`);
          } else {
            const m = await ctx.watch.waitFor(`answer on ${ledTopic} to ${word}`, from, (x) => x.topic === ledTopic, 3000);
            expect(m.text === wantText, `${word} with the LED ${cur ? "ON" : "OFF"} answered ${JSON.stringify(m.text)} on ${ledTopic}, want ${wantText}`);
            expect(m.qos === 1, `the answer on ${ledTopic} came at QoS ${m.qos}, want 1`);
            answers.push(`${word}→${m.text} ${Math.round(m.at - sent)} ms`);
            if (k === 0) {
              // The broker keeps the answer (retained), and the samples say so too.
              const kept = await retainedLed(ctx);
              expect(kept.text === wantText, `after ${word} answered ${wantText} the broker keeps ${kept.text} on ${ledTopic}: the answer was not retained`);
              const s = await ctx.watch.waitFor("sample after the LED changed", ctx.watch.mark(), (x) => x.topic === ctx.base + "sample", ctx.periodMs + 2000);
              expect(toSample(s).led === want, `the first sample after ${word} says led=${toSample(s).led}, want ${want}`);
            }
          }
          k++;
          cur = want;
          await sleep(100);
        }
      } catch (e) {
        // Leave the LED as found, whatever the device said (ON and OFF set it whatever it was), and
        // let its answer pass before the next check.
        const from = ctx.watch.mark();
        await ctx.watch.client.publishAsync(ctx.base + "led/set", initial.text, { qos: 1 }).catch(() => undefined);
        await ctx.watch.waitFor("answer", from, (m) => m.topic === ledTopic, 1500).catch(() => undefined);
        await sleep(300);
        throw e;
      }
      const last = await retainedLed(ctx);
      expect(last.text === initial.text, `the LED was ${initial.text} and is left ${last.text}`);
      return { detail: `${answers.join(", ")}; retained, QoS 1, left ${last.text} as found`, data: { answers } };
    },
  },
  {
    name: "mqtt.led.junk",
    async run(ctx) {
      const set = ctx.base + "led/set";
      const binary = Buffer.from([0x00, 0xff, 0x4f, 0x4e, 0x80, 0x0d, 0x0a, ...Array.from({ length: 160 }, (_, i) => (i * 37 + 11) & 0xff)]);
      const junk: Buffer[] = ["BLINK", "", "1", "true", "TOGGLE TOGGLE", '{"led":1}', "OFFON", "ONN"].map((s) => Buffer.from(s));
      junk.push(underInMax(set, binary), underInMax(set, Buffer.alloc(180, "O")));
      const from = ctx.watch.mark();
      const b = await before(ctx);
      for (const p of junk) {
        await ctx.watch.client.publishAsync(set, p, { qos: 1 });
        // Well under FLOOD_MAX a second.
        await sleep(120);
      }
      const s = await ctx.watch.waitFor("sample after the junk", ctx.watch.mark(), (m) => m.topic === ctx.base + "sample", ctx.periodMs + 2000);
      await sleep(300);
      const led = ctx.watch.since(from, ctx.base + "led");
      expect(led.length === 0, `junk on led/set was answered on led: ${led.map((m) => JSON.stringify(m.text)).join(", ")}`);
      const status = ctx.watch.since(from, ctx.base + "status");
      expect(status.length === 0, `the device's status changed during the junk (${status.map((m) => m.text).join(", ")}): it lost the connection`);
      const seqs = samplesSince(ctx, b.mark).map((x) => x.seq);
      for (let i = 0; i < seqs.length; i++) expect(seqs[i] === b.seq + 1 + i, `samples during the junk: seq ${b.seq} then ${seqs.join(",")}, want no gap`);
      expect(toSample(s).led === (await retainedLed(ctx).then((m) => (m.text === "ON" ? 1 : 0))), "the samples' led differs from the retained led");
      return { detail: `${junk.length} payloads (unknown words, empty, binary, ${junk.at(-1)!.length} bytes) ignored: no answer on led, still connected, seq ${b.seq + 1}..${seqs.at(-1)} without a gap`, data: { payloads: junk.length } };
    },
  },
  {
    name: "mqtt.ha",
    async run(ctx) {
      if (ctx.ha === null) throw new CheckSkip("--ha off");
      const n = ctx.device;
      const want = HA_ENTITIES.map((e) => `${ctx.ha}/${e.component}/${n}/${e.object}/config`);
      const all = (g: MqttMsg[]): boolean => want.every((t) => g.some((m) => m.topic === t));
      // Discovery goes out one message a second after each connection: allow for one under way.
      let got = await probeRetained(ctx.link, [`${ctx.ha}/+/${n}/+/config`], { enough: all, maxMs: 7000, quietMs: 1500 });
      if (all(got) && !want.every((t) => got.some((m) => m.topic === t && m.retain))) got = await probeRetained(ctx.link, [`${ctx.ha}/+/${n}/+/config`], { enough: all, maxMs: 2000 });
      const missing = want.filter((t) => !got.some((m) => m.topic === t && m.retain));
      expect(missing.length === 0, `no retained discovery config on ${missing.join(", ")}`);
      const status = await probeRetained(ctx.link, [ctx.base + "status", ctx.base + "state", ctx.base + "led"], { maxMs: 2000 });
      const retained = (t: string): string | undefined => status.find((m) => m.topic === t && m.retain)?.text;
      const version = ctx.notes.version ?? (retained(ctx.base + "state") ? (JSON.parse(retained(ctx.base + "state")!) as { version?: string }).version : undefined);
      const ids = new Set<string>();
      for (const [i, e] of HA_ENTITIES.entries()) {
        const m = got.find((x) => x.topic === want[i] && x.retain)!;
        let c: Record<string, unknown>;
        try {
          c = JSON.parse(m.text) as Record<string, unknown>;
        } catch {
          fail(`${m.topic} is not JSON`);
        }
        const where = `${e.component}/${e.object}`;
        expect(c["~"] === ctx.base, `${where}: "~" is ${JSON.stringify(c["~"])}, want ${JSON.stringify(ctx.base)}`);
        expect(c.uniq_id === `${n}_${e.object}`, `${where}: uniq_id ${JSON.stringify(c.uniq_id)}, want ${JSON.stringify(`${n}_${e.object}`)}`);
        expect(!ids.has(String(c.uniq_id)), `${where}: uniq_id ${String(c.uniq_id)} used twice`);
        ids.add(String(c.uniq_id));
        expect(typeof c.name === "string" && c.name !== "", `${where}: no name`);
        expect(expandTilde(c.avty_t, ctx.base) === ctx.base + "status", `${where}: availability topic ${JSON.stringify(c.avty_t)}, want ~status`);
        expect(expandTilde(c.stat_t, ctx.base) === ctx.base + e.stat, `${where}: state topic ${JSON.stringify(c.stat_t)}, want ~${e.stat}`);
        const dev = c.dev as { ids?: unknown; sw?: unknown } | undefined;
        expect(Array.isArray(dev?.ids) && dev.ids.includes(n), `${where}: dev.ids ${JSON.stringify(dev?.ids)} does not name ${n}`);
        if (typeof version === "string") expect(dev?.sw === version, `${where}: dev.sw ${JSON.stringify(dev?.sw)}, the state says version ${version}`);
        const tpl = typeof c.val_tpl === "string" ? c.val_tpl : "";
        if (e.column !== undefined) {
          const col = /value\.split\((['"]),\1\)\[(\d+)\]/.exec(tpl);
          expect(col !== null && Number(col[2]) === e.column, `${where}: value template ${JSON.stringify(tpl)} does not read column ${e.column} of seq,ms,a0,free,led`);
        }
        if (e.json !== undefined) expect(new RegExp(`value_json\\.${e.json}\\b`).test(tpl), `${where}: value template ${JSON.stringify(tpl)} does not read ${e.json} of the state`);
        if (e.cmd !== undefined) expect(expandTilde(c.cmd_t, ctx.base) === ctx.base + e.cmd, `${where}: command topic ${JSON.stringify(c.cmd_t)}, want ~${e.cmd}`);
      }
      // The topics they name hold what the templates read.
      expect(retained(ctx.base + "status") === "online", "the availability topic does not hold online");
      const st = retained(ctx.base + "state");
      expect(st !== undefined && "rssi" in (JSON.parse(st) as object), "the state topic (rssi) holds no retained state with rssi");
      expect(["ON", "OFF"].includes(retained(ctx.base + "led") ?? ""), "the switch's state topic does not hold ON or OFF");
      if (ctx.watch.since(0, ctx.base + "sample").length === 0) await collectSamples(ctx, ctx.watch.mark(), 1);
      toSample(ctx.watch.since(0, ctx.base + "sample").at(-1)!);
      return `${want.length} configs retained under ${ctx.ha}/ (a0, free, uptime, rssi, led switch); their topics and templates read the device's own`;
    },
  },
  {
    name: "mqtt.takeover",
    async run(ctx) {
      const b = await before(ctx);
      // A client with the device's own id: the broker drops the device's connection for it.
      const c = await connectClient(ctx.link, { clientId: ctx.device, reconnectPeriod: 0 }, `a client with the device's id ${ctx.device}`);
      const cutAt = Date.now();
      await new Promise<void>((r) => c.end(false, {}, () => r()));
      const r = await cutAndBack(ctx, b, cutAt, BACK_WITHIN_MS, null);
      ctx.notes.willOnTakeover = r.data.will;
      return { detail: `took over its client id; ${r.detail}${r.data.will ? "" : " (MQTT 3.1.1 does not ask a broker for the will on a takeover)"}`, data: r.data };
    },
  },
  {
    name: "mqtt.in-max",
    async run(ctx) {
      const b = await before(ctx);
      const led = (await retainedLed(ctx)).text;
      const size = 300;
      await ctx.watch.client.publishAsync(ctx.base + "led/set", Buffer.alloc(size, "x"), { qos: 0 });
      const cutAt = Date.now();
      const r = await cutAndBack(ctx, b, cutAt, BACK_WITHIN_MS, `a ${size}-byte PUBLISH (over its ${DEVICE_IN_MAX})`);
      expect((await retainedLed(ctx)).text === led, "the LED changed");
      return { detail: `a ${size}-byte payload on led/set: cut; ${r.detail}`, data: r.data };
    },
  },
  {
    name: "mqtt.flood",
    async run(ctx) {
      const b = await before(ctx);
      const n = 2 * DEVICE_FLOOD_MAX + 10;
      // All at once, QoS 0: however a second's boundary falls on them, one second sees over FLOOD_MAX.
      await Promise.all(Array.from({ length: n }, () => ctx.watch.client.publishAsync(ctx.base + "led/set", "FLOOD", { qos: 0 })));
      const cutAt = Date.now();
      const r = await cutAndBack(ctx, b, cutAt, BACK_WITHIN_MS, `${n} PUBLISHes at once (over ${DEVICE_FLOOD_MAX} a second)`);
      return { detail: `${n} PUBLISHes at once: cut; ${r.detail}`, data: r.data };
    },
  },
  {
    name: "mqtt.restart",
    async run(ctx) {
      if (!ctx.restart) throw new CheckSkip("no --restart-cmd");
      const b = await before(ctx);
      const lostBefore = ctx.watch.lost.length;
      const t0 = Date.now();
      await ctx.restart();
      const ranMs = Date.now() - t0;
      // The harness's own client saw the broker go and come back.
      const end = Date.now() + 30000;
      while (ctx.watch.back.length <= lostBefore) {
        if (Date.now() > end) fail(ctx.watch.lost.length === lostBefore ? "the broker did not restart: the harness's connection never dropped" : "the broker did not come back within 30 s of the restart command");
        await sleep(50);
      }
      const downAt = ctx.watch.lost[lostBefore];
      const upAt = ctx.watch.back[lostBefore];
      // The device's wait after failing for `down` ms is at most 1.5 × twice that (backoff doubling), capped.
      const down = upAt - downAt;
      const limit = Math.min(1.5 * DEVICE_BACKOFF_MAX_MS, 3 * down + 1.5 * DEVICE_BACKOFF_MIN_MS) + BACK_SLACK_MS;
      const from = ctx.watch.msgs.findIndex((m) => m.at >= downAt);
      const back = await accountGap(ctx, b, from < 0 ? ctx.watch.mark() : from, limit + 3000, upAt);
      const at = ctx.watch.since(b.mark, ctx.base + "sample").find((m) => toSample(m).seq === back.first.seq)!.at;
      expect(at - upAt <= limit + ctx.periodMs, `the first sample came ${fmtMs(at - upAt)} after the broker was back, over ${fmtMs(limit + ctx.periodMs)}`);
      const st = await probeRetained(ctx.link, [ctx.base + "status"], { enough: (g) => g.length > 0, maxMs: 2000 });
      expect(st.some((m) => m.retain && m.text === "online"), "after the restart the broker holds no retained online for the device");
      return {
        detail: `broker away ${fmtMs(down)} (command ${fmtMs(ranMs)}); first sample ${fmtMs(at - upAt)} after it was back (within ${fmtMs(limit + ctx.periodMs)}); status online; ${gapText(back)}`,
        data: { brokerAwayMs: down, firstSampleAfterMs: at - upAt, lastSeq: back.last.seq, firstSeq: back.first.seq, missing: back.missing, droppedDelta: back.droppedDelta },
      };
    },
  },
];

/** The checks named by --only (a name or prefix, with or without `mqtt.`); all when none. */
export function selectMqttChecks(only: readonly string[]): MqttCheck[] {
  if (only.length === 0) return MQTT_CHECKS;
  const ps = only.map((p) => (p.startsWith("mqtt.") || p === "mqtt" ? p : "mqtt." + p));
  return MQTT_CHECKS.filter((c) => ps.some((p) => c.name === p || c.name.startsWith(p.endsWith(".") ? p : p + ".") || (p === "mqtt" && c.name.startsWith("mqtt."))));
}

/** Null when the device is online (waiting a moment for it after a cut), else why the check cannot run. */
async function deviceDown(ctx: MqttCheckContext, waitMs: number): Promise<string | null> {
  const end = Date.now() + waitMs;
  for (;;) {
    const last = ctx.watch.since(0, ctx.base + "status").at(-1);
    if (last?.text === "online") return null;
    if (Date.now() > end) return last === undefined ? `no status from ${ctx.device} on ${ctx.base}status` : `${ctx.device} is ${JSON.stringify(last.text)} on ${ctx.base}status`;
    await sleep(50);
  }
}

/** Runs the checks in order, one row each; a check that cannot reach the device fails as "not run". */
export async function runMqttChecks(checks: readonly MqttCheck[], ctx: MqttCheckContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let down: string | null = null;
  for (const c of checks) {
    const t0 = performance.now();
    let r: CheckResult;
    // Wait for a device just cut to come back, but only once for one that stays away. The status
    // check says for itself what the status is.
    down = c.name === "mqtt.status" ? null : await deviceDown(ctx, down === null ? BACK_WITHIN_MS : 0);
    if (down !== null) {
      r = { name: c.name, outcome: "fail", detail: `not run: ${down}`, ms: performance.now() - t0 };
    } else {
      try {
        const out = await c.run(ctx);
        const o = typeof out === "string" ? { detail: out } : out;
        r = { name: c.name, outcome: "pass", detail: o.detail, ms: performance.now() - t0, data: o.data };
      } catch (e) {
        const outcome = e instanceof CheckSkip ? "skip" : "fail";
        const prefix = e instanceof HarnessError && e.code !== "EPROTO" ? `${e.code}: ` : "";
        r = { name: c.name, outcome, detail: prefix + messageOf(e), ms: performance.now() - t0 };
      }
    }
    results.push(r);
    progress(`${r.outcome === "pass" ? "pass" : r.outcome === "fail" ? "FAIL" : "skip"} ${c.name} (${Math.round(r.ms)} ms)${r.outcome === "pass" ? "" : `: ${r.detail}`}`);
    // What a check set off (an answer, a retained message) arrives before the next one looks.
    await sleep(150);
  }
  return results;
}

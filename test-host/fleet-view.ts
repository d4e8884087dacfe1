/*
 * What `fleet` knows of each device, from the MQTT messages it sees (firmware/lazy/mqtt.ts):
 * `<prefix>/<name>/status` (online, or offline from the broker's last will), `sample` (the CSV
 * `seq,ms,a0,free,led`) and `state` (JSON: name, version, ip, rssi, uptime, free, led,
 * dropped). No I/O here: messages and the clock go in, a summary, a table and a chart come out.
 *
 * Per device: the last status, the last sample, the samples per second over the last RATE_WINDOW_MS
 * (by arrival), the seq missing between two samples seen (counted as gaps: whoever lost them,
 * the device when it could not send, which its state's `dropped` counts, or the broker or this
 * view while away), seq going back (the device restarted: seq counts from 1 at boot, not a gap),
 * the time since the last sample, and whether it is silent (online but no sample for
 * max(STALE_MIN_MS, 3 periods)).
 */
import { palette, renderLineChart } from "./svg-plot.ts";

export const RATE_WINDOW_MS = 10000;
export const STALE_MIN_MS = 10000;
/** Points kept per device for the chart (a long run keeps its last ones). */
export const PLOT_POINTS_MAX = 20000;

export interface FleetSample {
  seq: number;
  ms: number;
  a0: number;
  free: number;
  led: number;
}

/** The device's retained state message, as far as it is well-formed. */
export interface DeviceState {
  name?: string;
  version?: string;
  ip?: string;
  rssi?: number;
  uptime?: number;
  free?: number;
  led?: number;
  dropped?: number;
}

export interface DeviceSummary {
  name: string;
  /** The last status message (`online`, `offline`), null when none was seen. */
  status: string | null;
  online: boolean;
  /** Online, yet no sample for max(10 s, 3 periods). */
  silent: boolean;
  samples: number;
  firstSeq: number | null;
  lastSeq: number | null;
  last: FleetSample | null;
  /** Samples a second over the last 10 s (null until a second has passed since the first). */
  ratePerSecond: number | null;
  /** Seq missing between samples seen, and the number of places they were missing from. */
  missing: number;
  gaps: number;
  /** Times seq went back (a restart of the device). */
  restarts: number;
  lastSampleAgeMs: number | null;
  /** Device ms between its last two consecutive samples (its period). */
  periodMs: number | null;
  /** The samples the device itself could not send, from its last state message. */
  dropped: number | null;
  state: DeviceState | null;
  /** Messages under its topics that were not what the device sends. */
  bad: number;
}

export interface FleetSummary {
  broker: string;
  prefix: string;
  startedAt: string;
  durationMs: number;
  /** Times this view lost the broker during the run. */
  brokerDisconnects: number;
  counts: { devices: number; online: number; offline: number; silent: number; samples: number; missing: number };
  devices: DeviceSummary[];
}

interface Device {
  name: string;
  status: string | null;
  firstSampleAt: number | null;
  firstSeq: number | null;
  last: FleetSample | null;
  lastAt: number | null;
  samples: number;
  missing: number;
  gaps: number;
  restarts: number;
  /** Arrival times of the samples in the rate window, and of the one before them (where their first interval starts). */
  arrivals: number[];
  periodMs: number | null;
  state: DeviceState | null;
  bad: number;
  /** [seconds since the view started, a0, free]. */
  points: Array<[number, number, number]>;
}

/** `seq,ms,a0,free,led` with whole numbers, or null. */
export function parseSampleCsv(text: string): FleetSample | null {
  const f = text.trim().split(",");
  if (f.length !== 5 || !f.every((x) => /^-?\d+$/.test(x))) return null;
  const [seq, ms, a0, free, led] = f.map(Number);
  return { seq, ms, a0, free, led };
}

function parseState(text: string): DeviceState | null {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) return null;
  const r = o as Record<string, unknown>;
  const st: DeviceState = {};
  for (const k of ["name", "version", "ip"] as const) if (typeof r[k] === "string") st[k] = r[k];
  for (const k of ["rssi", "uptime", "free", "led", "dropped"] as const) if (typeof r[k] === "number" && Number.isFinite(r[k])) st[k] = r[k];
  return st;
}

/**
 * Samples a second from their arrival times: the intervals ending in the last RATE_WINDOW_MS over
 * the time they span (from the arrival before the first of them), or, once the next sample is
 * overdue (twice the mean interval), over the time up to now, so that a device gone quiet
 * decays towards 0. Null with fewer than two samples. Trims `arrivals` to the window and one before.
 */
export function rate(arrivals: number[], now: number): number | null {
  while (arrivals.length > 2 && arrivals[1] <= now - RATE_WINDOW_MS) arrivals.shift();
  const n = arrivals.length - 1;
  if (n < 1) return null;
  const first = arrivals[0];
  const span = arrivals[n] - first;
  const overdue = now - arrivals[n] > (2 * span) / n;
  const r = n / (Math.max(1, overdue ? now - first : span) / 1000);
  return Math.round(r * 100) / 100;
}

export class FleetView {
  readonly prefix: string;
  readonly startedAt: number;
  brokerDisconnects = 0;
  readonly #devices = new Map<string, Device>();
  /** [seconds since start, devices online, samples a second] at each tick(), for the chart. */
  readonly #timeline: Array<[number, number, number]> = [];
  #samplesSinceTick = 0;
  #lastTick: number;
  readonly #onEvent: (text: string) => void;

  constructor(prefix: string, startedAt: number, onEvent: (text: string) => void = () => {}) {
    this.prefix = prefix;
    this.startedAt = startedAt;
    this.#lastTick = startedAt;
    this.#onEvent = onEvent;
  }

  /** The three subscriptions of the view. */
  filters(): string[] {
    return ["sample", "status", "state"].map((k) => `${this.prefix}/+/${k}`);
  }

  #device(name: string): Device {
    let d = this.#devices.get(name);
    if (d === undefined) {
      d = { name, status: null, firstSampleAt: null, firstSeq: null, last: null, lastAt: null, samples: 0, missing: 0, gaps: 0, restarts: 0, arrivals: [], periodMs: null, state: null, bad: 0, points: [] };
      this.#devices.set(name, d);
      this.#onEvent(`${name}: seen`);
    }
    return d;
  }

  /** Takes one message; false when its topic is not one of the view's. */
  message(topic: string, payload: Buffer | string, now: number): boolean {
    const head = this.prefix + "/";
    if (!topic.startsWith(head)) return false;
    const rest = topic.slice(head.length).split("/");
    if (rest.length !== 2 || rest[0] === "") return false;
    const [name, kind] = rest;
    const text = typeof payload === "string" ? payload : payload.toString("latin1");
    if (kind === "status") {
      const d = this.#device(name);
      if (d.status !== text) this.#onEvent(`${name}: ${text}`);
      d.status = text;
      return true;
    }
    if (kind === "state") {
      const d = this.#device(name);
      const st = parseState(text);
      if (st === null) d.bad++;
      else d.state = st;
      return true;
    }
    if (kind === "sample") {
      const d = this.#device(name);
      const s = parseSampleCsv(text);
      if (s === null) {
        d.bad++;
        return true;
      }
      this.#sample(d, s, now);
      return true;
    }
    return false;
  }

  #sample(d: Device, s: FleetSample, now: number): void {
    const prev = d.last;
    if (prev !== null) {
      if (s.seq > prev.seq + 1) {
        const n = s.seq - prev.seq - 1;
        d.missing += n;
        d.gaps++;
        this.#onEvent(`${d.name}: ${n} sample${n > 1 ? "s" : ""} missing (seq ${prev.seq + 1}${n > 1 ? ".." + (s.seq - 1) : ""})`);
      } else if (s.seq <= prev.seq) {
        d.restarts++;
        this.#onEvent(`${d.name}: seq back from ${prev.seq} to ${s.seq} (the device restarted)`);
      } else if (s.ms > prev.ms) d.periodMs = s.ms - prev.ms;
    } else {
      d.firstSampleAt = now;
      d.firstSeq = s.seq;
    }
    d.last = s;
    d.lastAt = now;
    d.arrivals.push(now);
    d.samples++;
    this.#samplesSinceTick++;
    d.points.push([(now - this.startedAt) / 1000, s.a0, s.free]);
    if (d.points.length > PLOT_POINTS_MAX) d.points.splice(0, d.points.length - PLOT_POINTS_MAX);
  }

  /** Once a second or so: records the fleet's online count and sample rate for the chart. */
  tick(now: number): void {
    const dt = Math.max(1, now - this.#lastTick) / 1000;
    const online = this.summaryDevices(now).filter((d) => d.online).length;
    this.#timeline.push([(now - this.startedAt) / 1000, online, this.#samplesSinceTick / dt]);
    if (this.#timeline.length > PLOT_POINTS_MAX) this.#timeline.splice(0, this.#timeline.length - PLOT_POINTS_MAX);
    this.#samplesSinceTick = 0;
    this.#lastTick = now;
  }

  summaryDevices(now: number): DeviceSummary[] {
    return [...this.#devices.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((d) => {
        const age = d.lastAt === null ? null : now - d.lastAt;
        const online = d.status === "online";
        const silent = online && age !== null && age > Math.max(STALE_MIN_MS, 3 * (d.periodMs ?? 1000));
        return {
          name: d.name,
          status: d.status,
          online,
          silent,
          samples: d.samples,
          firstSeq: d.firstSeq,
          lastSeq: d.last?.seq ?? null,
          last: d.last,
          ratePerSecond: rate(d.arrivals, now),
          missing: d.missing,
          gaps: d.gaps,
          restarts: d.restarts,
          lastSampleAgeMs: age,
          periodMs: d.periodMs,
          dropped: d.state?.dropped ?? null,
          state: d.state,
          bad: d.bad,
        };
      });
  }

  summary(now: number, broker: string): FleetSummary {
    const devices = this.summaryDevices(now);
    return {
      broker,
      prefix: this.prefix,
      startedAt: new Date(this.startedAt).toISOString(),
      durationMs: now - this.startedAt,
      brokerDisconnects: this.brokerDisconnects,
      counts: {
        devices: devices.length,
        online: devices.filter((d) => d.online).length,
        offline: devices.filter((d) => !d.online).length,
        silent: devices.filter((d) => d.silent).length,
        samples: devices.reduce((n, d) => n + d.samples, 0),
        missing: devices.reduce((n, d) => n + d.missing, 0),
      },
      devices,
    };
  }

  /** The chart of `--plot`: a0 and free per device, and the devices online, against the seconds watched. */
  plot(title: string): string {
    const devs = [...this.#devices.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    const colors = palette(devs.length);
    const lines = (k: 1 | 2) => devs.map((d, i) => ({ name: d.name, color: colors[i], points: d.points.map((p): [number, number] => [p[0], p[k]]) }));
    return renderLineChart({
      title,
      xLabel: "seconds since the view started",
      legend: devs.map((d, i) => ({ name: d.name, color: colors[i] })),
      series: [
        { name: "a0", unit: "ADC counts, 0..1023", integer: true, points: [], lines: lines(1) },
        { name: "free memory", unit: "variables", integer: true, points: [], lines: lines(2) },
        { name: "devices online", unit: "count", integer: true, points: this.#timeline.map((p): [number, number] => [p[0], p[1]]) },
        { name: "samples received", unit: "per second, all devices", points: this.#timeline.map((p): [number, number] => [p[0], p[2]]) },
      ],
    });
  }
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

function ageText(ms: number | null): string {
  if (ms === null) return "-";
  return ms < 60000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60000)}m ${Math.floor((ms % 60000) / 1000)}s`;
}

/** The table people read: a heading, then one line per device. */
export function formatFleetTable(s: FleetSummary, seconds?: number): string {
  const c = s.counts;
  const head = `fleet ${s.prefix}/+ on ${s.broker}: ${c.devices} device${c.devices === 1 ? "" : "s"}, ${c.online} online${c.silent ? ` (${c.silent} silent)` : ""}, ${c.offline} not; ${c.samples} samples, ${c.missing} missing; ${(s.durationMs / 1000).toFixed(1)}${seconds !== undefined ? `/${seconds}` : ""} s${s.brokerDisconnects ? `; broker lost ${s.brokerDisconnects}x` : ""}`;
  const rows: string[][] = [["device", "status", "seq", "a0", "free", "led", "rate/s", "missing (gaps)", "dropped", "last sample"]];
  for (const d of s.devices) {
    rows.push([
      d.name,
      (d.status ?? "?") + (d.silent ? " (silent)" : ""),
      d.last ? String(d.last.seq) : "-",
      d.last ? String(d.last.a0) : "-",
      d.last ? String(d.last.free) : "-",
      d.last ? String(d.last.led) : "-",
      d.ratePerSecond === null ? "-" : d.ratePerSecond.toFixed(2),
      `${d.missing} (${d.gaps})` + (d.restarts ? ` ${d.restarts} restart${d.restarts > 1 ? "s" : ""}` : ""),
      d.dropped === null ? "-" : String(d.dropped),
      ageText(d.lastSampleAgeMs),
    ]);
  }
  const w = rows[0].map((_, k) => Math.max(...rows.map((r) => r[k].length)));
  const right = [false, false, true, true, true, true, true, false, true, true];
  const lines = rows.map((r) => r.map((x, k) => pad(x, w[k], right[k])).join("  ").trimEnd());
  lines.splice(1, 0, w.map((n) => "-".repeat(n)).join("  "));
  if (s.devices.length === 0) lines.push(`(no device seen yet under ${s.prefix}/)`);
  return [head, ...lines].join("\n");
}

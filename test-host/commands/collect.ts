/*
 * `collect`: telemetry to a CSV file (`seq,ms,a0,free,led`, the device's own sample format)
 * for `--seconds`, over TCP (`STREAM <ms>`) or UDP (`UDP <host-ip> <port> <ms>`, 16-byte frames
 * decoded and their sums checked, seq unwrapped past 65535), with progress on stderr, and
 * `--plot` drawing the samples as an SVG chart. Gaps in seq are counted (a gap is a loss).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { authed } from "../checks/line.ts";
import { type CheckContext, seededRng } from "../checks/context.ts";
import { readSamples, SAMPLE_HEADER, startStream, stopStream } from "../checks/telemetry.ts";
import { createSeqUnwrapper, decodeFrame } from "../frame.ts";
import type { SampleLine } from "../line-client.ts";
import { type CheckResult, progress } from "../report.ts";
import { renderLineChart } from "../svg-plot.ts";
import type { Target } from "../target.ts";
import { UdpPeer } from "../udp.ts";
import { hostAddressFor } from "./check.ts";

export interface CollectOptions {
  seconds: number;
  transport: "tcp" | "udp";
  interval: number;
  out: string;
  plot?: string;
}

export function toCsv(samples: readonly SampleLine[]): string {
  return SAMPLE_HEADER.slice(1) + "\n" + samples.map((s) => `${s.seq},${s.ms},${s.a0},${s.free},${s.led}`).join("\n") + (samples.length ? "\n" : "");
}

export function plotSamples(samples: readonly SampleLine[], title: string): string {
  const t = (s: SampleLine): number => s.ms / 1000;
  return renderLineChart({
    title,
    xLabel: "device uptime (s)",
    series: [
      { name: "a0", unit: "ADC counts, 0..1023", integer: true, points: samples.map((s) => [t(s), s.a0]) },
      { name: "free memory", unit: "variables", integer: true, points: samples.map((s) => [t(s), s.free]) },
      { name: "LED", unit: "0 off, 1 on", integer: true, points: samples.map((s) => [t(s), s.led]), range: [-0.2, 1.2] },
    ],
  });
}

function countGaps(samples: readonly SampleLine[]): number {
  let lost = 0;
  for (let i = 1; i < samples.length; i++) lost += Math.max(0, samples[i].seq - samples[i - 1].seq - 1);
  return lost;
}

async function collectTcp(ctx: CheckContext, opts: CollectOptions, onSample: (n: number) => void): Promise<SampleLine[]> {
  const c = await authed(ctx);
  try {
    await startStream(c, opts.interval);
    const all: SampleLine[] = [];
    const end = Date.now() + opts.seconds * 1000;
    while (Date.now() < end) {
      const batch = await readSamples(c, Math.min(1000, end - Date.now()));
      all.push(...batch);
      onSample(all.length);
    }
    await stopStream(c);
    return all;
  } finally {
    c.close();
  }
}

async function collectUdp(ctx: CheckContext, opts: CollectOptions, onSample: (n: number) => void): Promise<{ samples: SampleLine[]; bad: number }> {
  const peer = await UdpPeer.open(ctx.target.local ? "127.0.0.1" : "0.0.0.0");
  const c = await authed(ctx);
  const unwrap = createSeqUnwrapper();
  const all: SampleLine[] = [];
  let bad = 0;
  try {
    const r = await c.command(`UDP ${ctx.hostIp} ${peer.port} ${opts.interval}`);
    if (!r.startsWith("OK udp=")) throw new Error(`UDP answered ${JSON.stringify(r)}`);
    const end = Date.now() + opts.seconds * 1000;
    let lastReport = Date.now();
    while (Date.now() < end) {
      const d = await peer.next(Math.min(500, end - Date.now()));
      if (d) {
        const f = decodeFrame(d.data);
        if (f.ok) all.push({ seq: unwrap(f.frame.seq), ms: f.frame.ms, a0: f.frame.a0, free: f.frame.free, led: f.frame.led });
        else bad++;
      }
      if (Date.now() - lastReport >= 1000) {
        onSample(all.length);
        lastReport = Date.now();
      }
    }
    return { samples: all, bad };
  } finally {
    await c.command("UDP OFF").catch(() => undefined);
    c.close();
    peer.close();
  }
}

export async function runCollect(target: Target, opts: CollectOptions): Promise<{ results: CheckResult[]; summary: Record<string, unknown> }> {
  const ctx: CheckContext = { target, hostIp: await hostAddressFor(target), quick: false, rng: seededRng(1) };
  const t0 = Date.now();
  const tick = (n: number): void => progress(`collect: ${n} samples, ${((Date.now() - t0) / 1000).toFixed(1)}/${opts.seconds} s`);
  let samples: SampleLine[];
  let badFrames = 0;
  if (opts.transport === "tcp") samples = await collectTcp(ctx, opts, tick);
  else {
    const r = await collectUdp(ctx, opts, tick);
    samples = r.samples;
    badFrames = r.bad;
  }
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, toCsv(samples));
  progress(`collect: wrote ${samples.length} samples to ${opts.out}`);
  if (opts.plot) {
    writeFileSync(opts.plot, plotSamples(samples, `${target.board.deviceName} on ${target.name}: ${samples.length} samples every ${opts.interval} ms over ${opts.transport.toUpperCase()}`));
    progress(`collect: wrote the chart ${opts.plot}`);
  }
  const lost = countGaps(samples);
  const expected = Math.floor((opts.seconds * 1000) / opts.interval);
  const results: CheckResult[] = [
    {
      name: `collect.${opts.transport}`,
      outcome: samples.length > 0 && badFrames === 0 ? "pass" : "fail",
      detail: `${samples.length} samples (about ${expected} expected) to ${opts.out}${opts.plot ? ` and ${opts.plot}` : ""}; ${lost} lost (gaps in seq)${badFrames ? `; ${badFrames} bad frames` : ""}`,
      ms: Date.now() - t0,
      data: { samples: samples.length, lost, badFrames },
    },
  ];
  return { results, summary: { transport: opts.transport, interval: opts.interval, samples: samples.length, lost, badFrames, out: opts.out, plot: opts.plot ?? null } };
}

/*
 * Telemetry conformance (docs/PROTOCOL.md, "Samples", "Numbering", "UDP push"): STREAM's reply,
 * header and samples (seq from 1 with no gap, the rate measured on the device's own clock), STOP,
 * per-client rates; the UDP push of 16-byte frames, decoded independently and their sums checked,
 * kept after the connection that set it closes, until UDP OFF.
 */
import { decodeFrame, type Frame } from "../frame.ts";
import { LineClient, parseSample, type SampleLine } from "../line-client.ts";
import { sleep } from "../tcp.ts";
import { UdpPeer } from "../udp.ts";
import { type Check, type CheckContext, expect, fail } from "./context.ts";
import { authed, lineEndpoint, withClient } from "./line.ts";

export const SAMPLE_HEADER = "#seq,ms,a0,free,led";

/** Reads sample lines for `ms` milliseconds, skipping comments; a non-sample line fails. */
export async function readSamples(c: LineClient, ms: number): Promise<SampleLine[]> {
  const out: SampleLine[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return out;
    let l: string;
    try {
      l = await c.raw(left);
    } catch (e) {
      if ((e as { code?: string }).code === "ETIMEOUT") return out;
      throw e;
    }
    if (l.startsWith("#")) continue;
    out.push(parseSample(l));
  }
}

/** Starts a stream: the OK reply, then the header comment. */
export async function startStream(c: LineClient, ms: number | null): Promise<void> {
  await c.send(ms === null ? "STREAM" : `STREAM ${ms}`);
  const ok = await c.next();
  const want = `OK stream=${ms ?? 1000}`;
  expect(ok === want, `STREAM ${ms ?? ""} answered ${JSON.stringify(ok)}, want "${want}"`);
  const h = await c.raw();
  expect(h === SAMPLE_HEADER, `after ${want} came ${JSON.stringify(h)}, want the header "${SAMPLE_HEADER}"`);
}

/** Stops a stream: sample lines may still come before `OK stream=off`; none after it. */
export async function stopStream(c: LineClient): Promise<void> {
  await c.send("STOP");
  for (let i = 0; i < 1000; i++) {
    const l = await c.next();
    if (l === "OK stream=off") {
      await sleep(400);
      const rest = c.reader.take().toString("latin1").split("\n").filter((x) => x.trim() !== "" && !x.startsWith("#"));
      expect(rest.length === 0, `${rest.length} sample lines came after OK stream=off`);
      return;
    }
    if (!/^[0-9]+,/.test(l)) fail(`STOP answered ${JSON.stringify(l)}, want "OK stream=off"`);
  }
  fail("no OK stream=off after 1000 lines");
}

/** Gaps in a run of sequence numbers (each must be the previous plus one, modulo `mod`). */
export function seqGaps(seqs: readonly number[], mod = 0): number {
  let gaps = 0;
  for (let i = 1; i < seqs.length; i++) {
    const d = mod ? (seqs[i] - seqs[i - 1] + mod) % mod : seqs[i] - seqs[i - 1];
    if (d !== 1) gaps++;
  }
  return gaps;
}

/**
 * Median interval between consecutive device timestamps. The median, not the mean: one stall
 * of a busy host (or of a device's Wi-Fi stack) stretches one interval and leaves the rate the
 * device keeps untouched; the count of samples against the time still catches a slow device.
 */
export function medianInterval(ms: readonly number[]): number {
  if (ms.length < 2) return NaN;
  const d: number[] = [];
  for (let i = 1; i < ms.length; i++) d.push(ms[i] - ms[i - 1]);
  d.sort((a, b) => a - b);
  const m = d.length >> 1;
  return d.length % 2 ? d[m] : (d[m - 1] + d[m]) / 2;
}

function checkRate(what: string, rate: number, seqs: number[], times: number[], wallMs: number): string {
  expect(seqs.length >= 3, `${what}: only ${seqs.length} samples in ${wallMs} ms at ${rate} ms`);
  const gaps = seqGaps(seqs);
  expect(gaps === 0, `${what}: ${gaps} gaps in seq (${seqs.slice(0, 12).join(",")}${seqs.length > 12 ? ",…" : ""})`);
  const mid = medianInterval(times);
  expect(Math.abs(mid - rate) <= rate * 0.15, `${what}: samples a median ${mid.toFixed(1)} ms apart on the device's clock, want ${rate} ± 15%`);
  const expected = wallMs / rate;
  expect(seqs.length >= expected * 0.6 && seqs.length <= expected * 1.4 + 2, `${what}: ${seqs.length} samples in ${wallMs} ms, want about ${expected.toFixed(0)}`);
  return `${seqs.length} samples, seq ${seqs[0]}..${seqs[seqs.length - 1]} without a gap, a median ${mid.toFixed(1)} ms apart`;
}

const stream: Check = {
  name: "line.stream",
  async run(ctx) {
    return withClient(ctx, async (c) => {
      const dur = ctx.quick ? 1500 : 3000;
      await startStream(c, 100);
      const t0 = Date.now();
      const samples = await readSamples(c, dur);
      const wall = Date.now() - t0;
      await stopStream(c);
      expect(samples.length > 0 && samples[0].seq === 1, `the stream began at seq ${samples[0]?.seq}, want 1`);
      const detail = checkRate("STREAM 100", 100, samples.map((s) => s.seq), samples.map((s) => s.ms), wall);
      const s = await c.status();
      expect(s.dropped === 0, `STATUS says dropped=${s.dropped} for a client that read everything`);
      await startStream(c, null);
      await stopStream(c);
      return { detail: `${detail}; STOP then silence; STREAM alone is 1000 ms`, data: { samples: samples.length } };
    });
  },
};

const perClient: Check = {
  name: "line.stream.per-client",
  async run(ctx) {
    const a = await LineClient.connect(lineEndpoint(ctx));
    const b = await LineClient.connect(lineEndpoint(ctx));
    try {
      const dur = ctx.quick ? 1500 : 2500;
      await startStream(a, 100);
      await startStream(b, 250);
      const t0 = Date.now();
      const [sa, sb] = await Promise.all([readSamples(a, dur), readSamples(b, dur)]);
      const wall = Date.now() - t0;
      await stopStream(a);
      await stopStream(b);
      const da = checkRate("client A at 100 ms", 100, sa.map((s) => s.seq), sa.map((s) => s.ms), wall);
      const db = checkRate("client B at 250 ms", 250, sb.map((s) => s.seq), sb.map((s) => s.ms), wall);
      return `A: ${da}; B: ${db}`;
    } finally {
      a.close();
      b.close();
    }
  },
};

/** Reads push frames for `ms`, decoding each; a bad frame fails the check. */
async function readFrames(peer: UdpPeer, ms: number, from: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return frames;
    const d = await peer.next(left);
    if (d === null) return frames;
    expect(d.port === from || from === 0, `a frame came from port ${d.port}`);
    const r = decodeFrame(d.data);
    if (!r.ok) fail(`bad frame (${r.error}: ${r.detail}): ${d.data.toString("hex")}`);
    frames.push(r.frame);
  }
}

const udpPush: Check = {
  name: "udp.push",
  async run(ctx: CheckContext) {
    const peer = await UdpPeer.open(ctx.target.local ? "127.0.0.1" : "0.0.0.0");
    let c: LineClient | null = await authed(ctx);
    try {
      const st = await c.status();
      const r = await c.command(`UDP ${ctx.hostIp} ${peer.port} 100`);
      expect(r === `OK udp=${ctx.hostIp}:${peer.port}`, `UDP answered ${JSON.stringify(r)}, want "OK udp=${ctx.hostIp}:${peer.port}"`);
      const dur = ctx.quick ? 1500 : 3000;
      const t0 = Date.now();
      const frames = await readFrames(peer, dur, 0);
      const wall = Date.now() - t0;
      expect(frames.length >= 3, `${frames.length} frames in ${wall} ms at 100 ms`);
      const seqs = frames.map((f) => f.seq);
      const gaps = seqGaps(seqs, 65536);
      const allowed = ctx.target.local ? 0 : Math.floor(frames.length * 0.1);
      expect(gaps <= allowed, `${gaps} gaps in the frames' seq (${seqs.slice(0, 12).join(",")}…)${ctx.target.local ? " over loopback" : ""}`);
      const mid = medianInterval(frames.map((f) => f.ms));
      expect(gaps > 0 || Math.abs(mid - 100) <= 15, `frames a median ${mid.toFixed(1)} ms apart on the device's clock, want 100 ± 15%`);
      expect(frames.every((f) => f.led === st.led), `frames carry led ${[...new Set(frames.map((f) => f.led))].join("/")}, STATUS says ${st.led}`);
      expect(frames.every((f) => f.wifiUp === (st.wifi === "up")), `frames' Wi-Fi bit does not match STATUS wifi=${st.wifi}`);
      // The push is the device's: it outlives the connection that set it.
      c.close();
      c = null;
      await sleep(200);
      peer.drain();
      const after = await readFrames(peer, 600, 0);
      expect(after.length >= 2, `${after.length} frames in 600 ms after the connection that set the push closed`);
      c = await authed(ctx);
      const off = await c.command("UDP OFF");
      expect(off === "OK udp=off", `UDP OFF answered ${JSON.stringify(off)}`);
      await sleep(300);
      peer.drain();
      const late = await readFrames(peer, 500, 0);
      expect(late.length === 0, `${late.length} frames came after UDP OFF`);
      return { detail: `${frames.length} frames, sums and fields valid, seq ${seqs[0]}..${seqs[seqs.length - 1]} with ${gaps} gaps, a median ${mid.toFixed(1)} ms apart; kept after its connection closed; UDP OFF stopped it`, data: { frames: frames.length, gaps } };
    } finally {
      if (c) {
        await c.command("UDP OFF").catch(() => undefined);
        c.close();
      }
      peer.close();
    }
  },
};

export const telemetryChecks: Check[] = [stream, perClient, udpPush];

/*
 * Echo conformance (docs/PROTOCOL.md, "Echo"): TCP integrity over sizes from 1 byte to 64 KB, every byte
 * value and random splits, always as a well-behaved client (at most 1 KB sent and not yet
 * echoed); the non-reading client closed past its bound; UDP datagrams up to 260 bytes.
 */
import { HarnessError } from "../errors.ts";
import { Reader, sleep, type Endpoint } from "../tcp.ts";
import { UdpPeer } from "../udp.ts";
import { type Check, type CheckContext, expect, fail, randomBytes } from "./context.ts";

/** A well-behaved client keeps at most this many bytes sent but not yet echoed (docs/PROTOCOL.md, "Echo"). */
export const ECHO_WINDOW = 1024;

export interface EchoRun {
  bytes: number;
  ms: number;
}

function firstDifference(want: Buffer, got: Buffer, at: number): string {
  const show = (b: Buffer): string => b.toString("hex").replace(/(..)/g, "$1 ").trim();
  return `byte ${at}: want ${show(want.subarray(0, 8))}, got ${show(got.subarray(0, 8))}`;
}

/**
 * Sends `data` through the echo with at most `window` bytes in flight, in pieces chosen by
 * `nextPiece` (default: as large as the window allows), and checks each byte that comes back.
 */
export async function echoWindowed(
  ep: Endpoint,
  data: Buffer,
  opts: { window?: number; nextPiece?: () => number; gapMs?: () => number; timeoutMs?: number; reader?: Reader } = {},
): Promise<EchoRun> {
  const window = opts.window ?? ECHO_WINDOW;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const r = opts.reader ?? (await Reader.open(ep));
  const t0 = performance.now();
  let sent = 0;
  let got = 0;
  try {
    while (got < data.length) {
      while (sent < data.length && sent - got < window) {
        const want = opts.nextPiece ? Math.max(1, opts.nextPiece()) : window;
        const n = Math.min(want, window - (sent - got), data.length - sent);
        await r.write(data.subarray(sent, sent + n));
        sent += n;
        const gap = opts.gapMs ? opts.gapMs() : 0;
        if (gap > 0) await sleep(gap);
      }
      let chunk: Buffer;
      try {
        chunk = await r.some(sent - got, timeoutMs);
      } catch (e) {
        throw new HarnessError((e as HarnessError).code ?? "ETIMEOUT", `${got} of ${data.length} bytes echoed, then ${(e as Error).message}`);
      }
      const want = data.subarray(got, got + chunk.length);
      if (!want.equals(chunk)) {
        let i = 0;
        while (i < chunk.length && chunk[i] === want[i]) i++;
        fail(`echo of ${data.length} bytes differs at ${firstDifference(want.subarray(i), chunk.subarray(i), got + i)}`);
      }
      got += chunk.length;
    }
    // Nothing more than what was sent may come back.
    await sleep(20);
    expect(r.buffered === 0, `echo of ${data.length} bytes sent back ${r.buffered} bytes too many`);
    return { bytes: data.length, ms: performance.now() - t0 };
  } finally {
    if (!opts.reader) r.close();
  }
}

export const ECHO_SIZES = [1, 2, 7, 100, 267, 268, 269, 535, 536, 537, 1000, 1023, 1024, 1025, 2048, 4096, 16384, 65536];

const tcpSizes: Check = {
  name: "echo.tcp.sizes",
  async run(ctx) {
    const ep = ctx.target.endpoint("echo");
    let bytes = 0;
    let ms = 0;
    for (const n of ECHO_SIZES) {
      const r = await echoWindowed(ep, randomBytes(ctx.rng, n));
      bytes += r.bytes;
      ms += r.ms;
    }
    return { detail: `${ECHO_SIZES.length} sizes, 1 B..64 KB, ${bytes} bytes back intact (${Math.round(bytes / 1024 / (ms / 1000))} KB/s)`, data: { sizes: ECHO_SIZES, bytes, ms } };
  },
};

/** Every byte value, in order, reversed, and interleaved with CR, LF, NUL and 0xFF. */
export function allByteValues(): Buffer {
  const a = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) a[i] = i;
  const rev = Buffer.from(a).reverse();
  const mix = Buffer.alloc(512);
  for (let i = 0; i < 256; i++) {
    mix[2 * i] = i;
    mix[2 * i + 1] = [0, 10, 13, 255][i & 3];
  }
  return Buffer.concat([a, rev, mix]);
}

const tcpBytes: Check = {
  name: "echo.tcp.all-bytes",
  async run(ctx) {
    const data = allByteValues();
    await echoWindowed(ctx.target.endpoint("echo"), data);
    // And one connection per byte value alone, for the values a text layer would eat.
    for (const v of [0, 10, 13, 0x80, 0xff]) await echoWindowed(ctx.target.endpoint("echo"), Buffer.from([v]));
    return `all 256 byte values (${data.length} bytes) and 5 lone bytes back intact`;
  },
};

const tcpSplits: Check = {
  name: "echo.tcp.splits",
  async run(ctx) {
    const n = ctx.quick ? 4096 : 16384;
    const data = randomBytes(ctx.rng, n);
    // One byte per packet for the first 64 bytes, then random pieces of 1..600 bytes with small gaps.
    let i = 0;
    const r = await echoWindowed(ctx.target.endpoint("echo"), data, {
      nextPiece: () => (i++ < 64 ? 1 : 1 + Math.floor(ctx.rng() * 600)),
      gapMs: () => (i < 64 ? 2 : ctx.rng() < 0.3 ? 1 : 0),
    });
    return `${n} bytes in random pieces (64 single bytes, then 1..600 B) back intact in ${Math.round(r.ms)} ms`;
  },
};

const tcpNonReader: Check = {
  name: "echo.tcp.non-reader",
  async run(ctx) {
    // Send without reading until the device stops taking data or breaks the connection, then
    // read what is there: the device must have closed, and what came back must be a prefix.
    // A board's TCP window is a few KB, so it stops taking data at once; a host's loopback
    // buffers (the simulator, the Linux interpreter) take megabytes first: 32 MB covers both,
    // and loopback sends it in about a second.
    const cap = 32 * 1024 * 1024;
    const r = await Reader.open(ctx.target.endpoint("echo"));
    r.socket.pause();
    const piece = Buffer.alloc(16384, 0x5a);
    let sent = 0;
    let writeError = "";
    const t0 = Date.now();
    try {
      while (sent < cap && !r.ended) {
        const ok = r.socket.write(piece);
        sent += piece.length;
        if (!ok) {
          // One listener of each kind per wait, removed after it: a listener left per pass
          // piled up past Node's limit (MaxListenersExceededWarning).
          let onDrain = (): void => undefined;
          let onClose = (): void => undefined;
          const drained = await Promise.race([
            new Promise<boolean>((res) => r.socket.once("drain", (onDrain = () => res(true)))),
            new Promise<boolean>((res) => r.socket.once("close", (onClose = () => res(false)))),
            sleep(2000).then(() => false),
          ]);
          r.socket.off("drain", onDrain);
          r.socket.off("close", onClose);
          if (!drained) break;
        }
        if (r.socket.destroyed) break;
      }
    } catch (e) {
      writeError = (e as Error).message;
    }
    const stalledAt = sent;
    // A host's device reads what was buffered at its own pace (536 bytes a poll on the Linux
    // interpreter), echoing into the host's buffers until they are full too: only then does it
    // see a client that does not read. Still not reading, give it that time.
    if (!r.ended) await r.closed(ctx.quick ? 20000 : 40000);
    const closedWhileSending = r.ended;
    r.socket.resume();
    const closed = await r.closed(5000);
    const back = r.received;
    r.close();
    expect(closed, `still open after ${stalledAt} bytes sent without reading (${Math.round((Date.now() - t0) / 1000)} s)`);
    expect(back < stalledAt, `closed, but all ${stalledAt} bytes came back`);
    const how = closedWhileSending ? "closed while it was sending" : "closed once it stopped sending";
    return { detail: `${how}, after ${stalledAt} bytes sent without reading (${back} echoed before the close)${writeError ? `; ${writeError}` : ""}`, data: { sent: stalledAt, echoed: back } };
  },
};

/** Sends one datagram and waits for its echo, retrying lost ones (UDP may drop on a radio). */
async function udpRoundTrip(peer: UdpPeer, ep: Endpoint, data: Buffer, tries: number): Promise<void> {
  for (let t = 0; t < tries; t++) {
    await peer.send(data, ep.port, ep.host);
    const d = await peer.next(1000);
    if (d === null) continue;
    expect(d.port === ep.port, `the echo of ${data.length} bytes came from port ${d.port}, want ${ep.port}`);
    if (!d.data.equals(data)) fail(`datagram of ${data.length} bytes came back as ${d.data.length} bytes, different`);
    return;
  }
  fail(`no echo of a ${data.length}-byte datagram in ${tries} tries`);
}

const udpEcho: Check = {
  name: "echo.udp",
  async run(ctx: CheckContext) {
    const ep = ctx.target.endpoint("echo");
    const peer = await UdpPeer.open(ctx.target.local ? "127.0.0.1" : "0.0.0.0");
    try {
      const sizes = [1, 2, 100, 259, 260];
      for (const n of sizes) await udpRoundTrip(peer, ep, randomBytes(ctx.rng, n), ctx.target.local ? 1 : 3);
      const all = Buffer.alloc(256);
      for (let i = 0; i < 256; i++) all[i] = i;
      await udpRoundTrip(peer, ep, all, ctx.target.local ? 1 : 3);
      await sleep(100);
      const extra = peer.drain();
      expect(extra.length === 0, `${extra.length} unexpected datagrams came back`);
      return `datagrams of ${sizes.join(", ")} and 256 bytes (every value) came back unchanged`;
    } finally {
      peer.close();
    }
  },
};

export const echoChecks: Check[] = [tcpSizes, tcpBytes, tcpSplits, tcpNonReader, udpEcho];

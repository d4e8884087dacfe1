/*
 * `hostile`: what a hostile or broken network sends, one attack per row: a header flood, a slow
 * head (and, in full runs, a stalled body), oversized lines, binary garbage on every service
 * port, half-open and abandoned connections, a connect storm past the socket limit, a corpus of
 * malformed HTTP. Then proof that the device still serves every service and that its free
 * variables came back within 20 of where they started (docs/MEMORY.md, "Budgets").
 * The console port is left alone: it is Espruino's REPL, and garbage typed there is code.
 */
import { type CheckContext, type Check, expect, fail, randomBytes, runChecks, seededRng } from "../checks/context.ts";
import { echoWindowed } from "../checks/echo.ts";
import { hostAddressFor } from "./check.ts";
import { settledFreeVars } from "../device-memory.ts";
import { messageOf } from "../errors.ts";
import { buildRequest, httpGet, parseResponse } from "../http-client.ts";
import { errCode, LineClient } from "../line-client.ts";
import { type CheckResult, progress } from "../report.ts";
import { clientSockets, type Target } from "../target.ts";
import { Reader, sleep, type Endpoint } from "../tcp.ts";
import { UdpPeer } from "../udp.ts";
import { MEMORY_TOLERANCE } from "./load.ts";

/** Sends `req` and waits for a response or a close: "NNN" (the status), "close", or "hang". */
export async function answerOf(ep: Endpoint, req: Buffer | string, waitMs: number): Promise<string> {
  const r = await Reader.open(ep);
  try {
    await r.write(req).catch(() => undefined);
    const { data, closed } = await r.all(waitMs);
    if (data.length === 0) return closed ? "close" : "hang";
    try {
      return String(parseResponse(data, closed, 0).status);
    } catch {
      return closed ? "close" : "hang";
    }
  } finally {
    r.close();
  }
}

const headerFlood: Check = {
  name: "hostile.header-flood",
  async run(ctx) {
    const r = await Reader.open(ctx.target.endpoint("http"));
    const lines = ctx.quick ? 2000 : 20000;
    let sent = 0;
    try {
      await r.write("GET /api/status HTTP/1.1\r\nHost: device\r\n");
      for (let i = 0; i < lines && !r.ended; i += 100) {
        let chunk = "";
        for (let k = 0; k < 100; k++) chunk += `X-Flood-${i + k}: ${"f".repeat(20)}\r\n`;
        const ok = await Promise.race([r.write(chunk).then(() => true, () => false), sleep(3000).then(() => false)]);
        if (!ok) break;
        sent += chunk.length;
      }
      const { data, closed } = await r.all(7000);
      const status = data.length ? parseResponse(data, closed, 0).status : null;
      expect(status === 431 || (status === null && closed), `after ${Math.round(sent / 1024)} KB of headers: ${status ?? (closed ? "close" : "no answer, still open")}, want 431 or a close`);
      return `${Math.round(sent / 1024)} KB of header lines sent; answered ${status ?? "with a close"}`;
    } finally {
      r.close();
    }
  },
};

const slowHead: Check = {
  name: "hostile.slow-head",
  async run(ctx) {
    const t0 = Date.now();
    const r = await Reader.open(ctx.target.endpoint("http"));
    try {
      const head = "GET /api/status HTTP/1.1\r\nHost: device\r\nX-Slow: abcdefghijklmnopqrstuvwxyz";
      let i = 0;
      while (!r.ended && r.buffered === 0 && Date.now() - t0 < 9000) {
        if (i < head.length) await r.write(head[i++]).catch(() => undefined);
        await sleep(300);
      }
      const { data, closed } = await r.all(1000);
      const took = Date.now() - t0;
      const status = data.length ? parseResponse(data, closed, 0).status : null;
      expect(status === 408, `a head trickling in for ${took} ms: ${status ?? (closed ? "a close without 408" : "no answer")}, want 408 after 5 s`);
      expect(took >= 4500 && took <= 8000, `408 came ${took} ms after connect, want about 5 s`);
      return `408 after ${took} ms (one byte every 300 ms)`;
    } finally {
      r.close();
    }
  },
};

const slowBody: Check = {
  name: "hostile.slow-body",
  async run(ctx) {
    const t0 = Date.now();
    const auth: Record<string, string> = ctx.target.token ? { Authorization: `Bearer ${ctx.target.token}` } : {};
    const req = buildRequest("POST", "/api/led", { "Content-Type": "text/plain", "Content-Length": "6", ...auth }, "to");
    const status = await answerOf(ctx.target.endpoint("http"), req, 9000);
    const took = Date.now() - t0;
    expect(status === "408", `a body that stops arriving: ${status}, want 408 after 5 s`);
    return `408 after ${took} ms for a body that stopped after 2 of 6 bytes`;
  },
};

const longLines: Check = {
  name: "hostile.long-lines",
  async run(ctx) {
    const c = await LineClient.connect(ctx.target.endpoint("line"));
    try {
      const size = ctx.quick ? 16 * 1024 : 256 * 1024;
      const piece = Buffer.alloc(1024, "L");
      for (let i = 0; i < size; i += piece.length) await c.reader.write(piece);
      await c.reader.write("\nSTATUS\n");
      const r1 = await c.next(10000);
      expect(errCode(r1) === "E2BIG", `a ${size / 1024} KB line: ${JSON.stringify(r1)}, want ERR E2BIG`);
      const r2 = await c.next(5000);
      expect(r2.startsWith("OK uptime="), `after it, STATUS: ${JSON.stringify(r2)}`);
      return `a ${size / 1024} KB line: one ERR E2BIG, then STATUS answered on the same connection`;
    } finally {
      c.close();
    }
  },
};

const garbage: Check = {
  name: "hostile.garbage",
  async run(ctx) {
    const notes: string[] = [];
    const junk = randomBytes(ctx.rng, ctx.quick ? 2048 : 8192);
    // Line protocol: ERR lines or a close, never a hang of the device.
    {
      const r = await Reader.open(ctx.target.endpoint("line"));
      await r.write(junk).catch(() => undefined);
      await r.write("\n").catch(() => undefined);
      await sleep(500);
      const got = r.take().toString("latin1").split("\r\n").filter((l) => l.length && !l.startsWith("#"));
      const bad = got.filter((l) => !l.startsWith("ERR ") && !l.startsWith("OK"));
      r.close();
      expect(bad.length === 0, `line port answered garbage with ${JSON.stringify(bad[0])}`);
      notes.push(`line: ${got.length} ERR lines${r.ended ? ", closed" : ""}`);
    }
    // HTTP: a 4xx or a close.
    {
      const a = await answerOf(ctx.target.endpoint("http"), Buffer.concat([junk, Buffer.from("\r\n\r\n")]), 7000);
      expect(a === "close" || (Number(a) >= 400 && Number(a) < 500), `HTTP port answered garbage with ${a}`);
      notes.push(`http: ${a}`);
    }
    // Echo: garbage is just bytes, and comes back.
    await echoWindowed(ctx.target.endpoint("echo"), junk);
    notes.push("echo: back intact");
    // UDP echo: garbage datagrams come back; an oversized one must not break anything.
    const peer = await UdpPeer.open(ctx.target.local ? "127.0.0.1" : "0.0.0.0");
    try {
      const ep = ctx.target.endpoint("echo");
      await peer.send(randomBytes(ctx.rng, 1400), ep.port, ep.host);
      await sleep(200);
      peer.drain();
      let back = 0;
      for (let i = 0; i < 10; i++) {
        const d = randomBytes(ctx.rng, 1 + Math.floor(ctx.rng() * 260));
        await peer.send(d, ep.port, ep.host);
        const g = await peer.next(1000);
        if (g && g.data.equals(d)) back++;
      }
      expect(back >= (ctx.target.local ? 10 : 7), `${back} of 10 garbage datagrams came back after an oversized one`);
      notes.push(`udp: ${back}/10 back after a 1400-byte datagram`);
    } finally {
      peer.close();
    }
    return notes.join("; ");
  },
};

const halfOpen: Check = {
  name: "hostile.half-open",
  async run(ctx) {
    const notes: string[] = [];
    // A line client that sends a command and half-closes.
    {
      const r = await Reader.open(ctx.target.endpoint("line"));
      await r.write("STATUS\n");
      r.socket.end();
      const closed = await r.closed(5000);
      r.close();
      notes.push(`line half-closed: ${closed ? "device closed" : "still open after 5 s"}`);
      expect(closed, "a line client that half-closed was never closed by the device");
    }
    // An HTTP request followed by a half-close: an answer or a close.
    {
      const r = await Reader.open(ctx.target.endpoint("http"));
      await r.write(buildRequest("GET", "/api/status"));
      r.socket.end();
      const { data, closed } = await r.all(5000);
      r.close();
      expect(closed, "an HTTP client that half-closed was never closed by the device");
      notes.push(`http half-closed: ${data.length ? parseResponse(data, closed, 0).status : "closed"}`);
    }
    // Connections reset in the middle of a request on every port, and others just abandoned.
    for (const s of ["line", "http", "echo"] as const) {
      const r = await Reader.open(ctx.target.endpoint(s));
      await r.write(s === "http" ? "GET /api/sta" : s === "line" ? "STAT" : "half").catch(() => undefined);
      await sleep(50);
      r.socket.resetAndDestroy();
    }
    const idle: Reader[] = [];
    for (const s of ["line", "http", "echo"] as const) idle.push(await Reader.open(ctx.target.endpoint(s)));
    await sleep(1000);
    for (const r of idle) r.socket.resetAndDestroy();
    notes.push("3 reset mid-request, 3 idle then reset");
    return notes.join("; ");
  },
};

const connectStorm: Check = {
  name: "hostile.connect-storm",
  async run(ctx) {
    const n = clientSockets(ctx.target.board) * (ctx.quick ? 2 : 4) + 2;
    const services = ["line", "echo", "http"] as const;
    const outcomes = await Promise.all(
      Array.from({ length: n }, async (_, i): Promise<string> => {
        const s = services[i % 3];
        const r = await Reader.open(ctx.target.endpoint(s)).catch(() => null);
        if (!r) return "refused";
        try {
          if (s === "line") {
            const l = await r.line(3000).catch(() => null);
            if (l && l.text.startsWith("#")) {
              await sleep(1000);
              return "served";
            }
            if (l && errCode(l.text) === "EBUSY") return (await r.closed(2000)) ? "refused" : "ebusy-open";
            return r.ended ? "refused" : "silent";
          }
          if (s === "echo") {
            await r.write("ping").catch(() => undefined);
            const ok = await r.bytes(4, 3000).then(() => true, () => false);
            if (ok) {
              await sleep(1000);
              return "served";
            }
            return r.ended ? "refused" : "silent";
          }
          await r.write(buildRequest("GET", "/api/status")).catch(() => undefined);
          const { data, closed } = await r.all(6000);
          if (!data.length) return closed ? "refused" : "silent";
          const st = parseResponse(data, closed, 0).status;
          return st === 200 ? "served" : st === 503 ? "refused" : `http ${st}`;
        } finally {
          r.close();
        }
      }),
    );
    const count: Record<string, number> = {};
    for (const o of outcomes) count[o] = (count[o] ?? 0) + 1;
    const summary = Object.keys(count).map((k) => `${count[k]} ${k}`).join(", ");
    expect((count.served ?? 0) >= 1, `no client of ${n} was served: ${summary}`);
    expect(!count.silent && !count["ebusy-open"], `some clients were neither served nor refused: ${summary}`);
    const odd = Object.keys(count).filter((k) => k.startsWith("http "));
    expect(odd.length === 0, `unexpected HTTP statuses in the storm: ${summary}`);
    return `${n} connections at once: ${summary}`;
  },
};

interface CorpusItem {
  name: string;
  req: string | Buffer;
  /** Statuses that are also acceptable besides 4xx/5xx and a close. */
  alsoOk?: number[];
}

export function malformedCorpus(rng: () => number): CorpusItem[] {
  return [
    { name: "empty head", req: "\r\n\r\n" },
    { name: "method only", req: "GET\r\n\r\n" },
    { name: "bare LF head", req: "GET /api/status HTTP/1.1\nHost: x\n\n", alsoOk: [200] },
    { name: "HTTP/9.9", req: "GET / HTTP/9.9\r\n\r\n" },
    { name: "no version, no path", req: "GET  HTTP/1.1\r\n\r\n" },
    { name: "negative Content-Length", req: "POST /api/led HTTP/1.1\r\nContent-Length: -1\r\n\r\n" },
    { name: "Content-Length abc", req: "POST /api/led HTTP/1.1\r\nContent-Length: abc\r\n\r\n" },
    { name: "two Content-Lengths", req: "POST /api/led HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\non" },
    { name: "huge Content-Length", req: "POST /api/led HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n" },
    { name: "bad chunked body", req: "POST /api/led HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n" },
    { name: "NUL in the path", req: "GET /ab\0cd HTTP/1.1\r\n\r\n" },
    { name: "8-bit method", req: Buffer.from("G\x80T / HTTP/1.1\r\n\r\n", "latin1") },
    { name: "300-byte method", req: "M".repeat(300) + " / HTTP/1.1\r\n\r\n" },
    { name: "space in a header name", req: "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n" },
    { name: "empty header name", req: "GET / HTTP/1.1\r\n: novalue\r\n\r\n" },
    { name: "folded header", req: "GET / HTTP/1.1\r\nX-A: a\r\n  folded\r\n\r\n", alsoOk: [200] },
    { name: "bad percent-encoding", req: "GET /%zz% HTTP/1.1\r\n\r\n" },
    { name: "dot-dot path", req: "GET /../../etc/passwd HTTP/1.1\r\n\r\n" },
    { name: "absolute URI", req: "GET http://evil.example/ HTTP/1.1\r\n\r\n", alsoOk: [200] },
    { name: "request line of spaces", req: " ".repeat(100) + "\r\n\r\n" },
    { name: "binary head", req: Buffer.concat([randomBytes(rng, 1024), Buffer.from("\r\n\r\n")]) },
    { name: "header without value, many", req: "GET / HTTP/1.1\r\n" + "X:\r\n".repeat(200) + "\r\n", alsoOk: [200] },
    { name: "POST body over 512 without length", req: "POST /api/led HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" + "a".repeat(1024) + "\r\n0\r\n\r\n" },
  ];
}

const httpCorpus: Check = {
  name: "hostile.http-corpus",
  async run(ctx) {
    const items = malformedCorpus(ctx.rng);
    const answers: string[] = new Array(items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const i = next++;
        answers[i] = await answerOf(ctx.target.endpoint("http"), items[i].req, 7000).catch((e: unknown) => `error ${messageOf(e)}`);
      }
    };
    await Promise.all([worker(), worker()]);
    const bad: string[] = [];
    items.forEach((it, i) => {
      const a = answers[i];
      const st = Number(a);
      const ok = a === "close" || (st >= 400 && st < 600) || (it.alsoOk ?? []).indexOf(st) >= 0;
      if (!ok) bad.push(`${it.name}: ${a}`);
    });
    if (bad.length) fail(`${bad.length} of ${items.length} malformed requests not refused: ${bad.join("; ")}`);
    // Those answered 200 are the few the corpus marks as acceptable (`alsoOk`: well-formed after all).
    const tally: Record<string, number> = {};
    for (const a of answers) tally[a] = (tally[a] ?? 0) + 1;
    const accepted = tally["200"] ?? 0;
    const refused = Object.keys(tally).filter((k) => k !== "200").map((k) => `${tally[k]}× ${k}`).join(", ");
    return `${items.length} malformed requests: ${items.length - accepted} refused (${refused})${accepted ? `, ${accepted} accepted as well-formed (200)` : ""}`;
  },
};

function stillServes(ctx: CheckContext): Promise<string> {
  return (async () => {
    const c = await LineClient.connect(ctx.target.endpoint("line"));
    try {
      const s = await c.status();
      expect(s.uptime > 0, "STATUS after the attacks");
    } finally {
      c.close();
    }
    await echoWindowed(ctx.target.endpoint("echo"), randomBytes(ctx.rng, 4096));
    const r = await httpGet(ctx.target.endpoint("http"), "/api/status");
    expect(r.status === 200, `GET /api/status after the attacks: ${r.status}`);
    const peer = await UdpPeer.open(ctx.target.local ? "127.0.0.1" : "0.0.0.0");
    try {
      const ep = ctx.target.endpoint("echo");
      let ok = false;
      for (let i = 0; i < 3 && !ok; i++) {
        await peer.send(Buffer.from("alive"), ep.port, ep.host);
        const d = await peer.next(1000);
        ok = d !== null && d.data.toString() === "alive";
      }
      expect(ok, "UDP echo does not answer after the attacks");
    } finally {
      peer.close();
    }
    return "line STATUS, 4 KB echo, GET /api/status 200 and UDP echo all answer";
  })();
}

export async function runHostile(target: Target, opts: { quick: boolean; seed?: number }): Promise<{ results: CheckResult[]; summary: Record<string, unknown> }> {
  const ctx: CheckContext = { target, hostIp: await hostAddressFor(target), quick: opts.quick, rng: seededRng(opts.seed ?? 1234) };
  const freeBefore = await settledFreeVars(target, { tries: 3, gapMs: 200 });
  progress(`hostile: free variables before: ${freeBefore ?? "unknown"}`);
  const attacks: Check[] = [headerFlood, slowHead, ...(opts.quick ? [] : [slowBody]), longLines, garbage, halfOpen, connectStorm, httpCorpus];
  const results = await runChecks(attacks, ctx, 300);
  const after = await runChecks([{ name: "hostile.still-serves", run: stillServes }], ctx, 0);
  const freeAfter = await settledFreeVars(target, { tries: 8, gapMs: 500 });
  const memOk = freeBefore !== null && freeAfter !== null && freeAfter >= freeBefore - MEMORY_TOLERANCE;
  const mem: CheckResult = {
    name: "hostile.memory",
    outcome: memOk ? "pass" : "fail",
    detail: freeBefore === null || freeAfter === null ? "free variables could not be read" : `free ${freeBefore} before, ${freeAfter} after (${freeAfter - freeBefore >= 0 ? "+" : ""}${freeAfter - freeBefore}; must be within ${MEMORY_TOLERANCE})`,
    ms: 0,
    data: { freeBefore, freeAfter },
  };
  return { results: [...results, ...after, mem], summary: { freeBefore, freeAfter, quick: opts.quick } };
}

/*
 * End to end: the built sim bundle (dist/sim.js) in the simulator, driven over real sockets on
 * 127.0.0.1 with ephemeral ports: line protocol, echo, UDP push and FETCH.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { createServer } from "node:http";
import { connect } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator, type SimulatorHandle } from "../../../simulator/index.ts";
import { decodeSampleCsv } from "../../../lib/sample-csv.ts";
import { decodeFrame } from "../../../lib/sample-frame.ts";
import { LineConn } from "../../helpers/line-conn.ts";

let sim: SimulatorHandle;

/** Waits until the device counts only the asking client (closed sockets free their slot late). */
async function settled(): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const c = await LineConn.open(sim.ports.line);
    try {
      const first = await c.waitFor(/^(#|ERR)/);
      if (first.startsWith("#") && / clients=1 /.test(await c.ask("STATUS"))) return;
    } finally {
      c.close();
    }
  }
  throw new Error("the device did not settle");
}
let stateDir: string;

before(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "line-e2e-"));
  sim = await startSimulator({ board: "sim", ports: "ephemeral", stateDir, build: true });
  await sim.waitForConsole("line", 5000);
});

after(async () => {
  await sim?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

test("greets, answers STATUS and READ over a real socket", async () => {
  const c = await LineConn.open(sim.ports.line);
  try {
    assert.match(await c.waitFor(/^#/), /^# espruino-sim \S+ ready$/);
    assert.match(await c.ask("STATUS"), /^OK uptime=\d+ free=\d+ led=[01] clients=\d+ ip=\S+ rssi=\S+ wifi=\w+ dropped=0$/);
    const r = await c.ask("READ");
    assert.equal(decodeSampleCsv(r.substring(3))?.seq, 1);
  } finally {
    c.close();
  }
});

test("STREAM 50 delivers consecutive samples; STREAM 1 is EARG", async () => {
  const c = await LineConn.open(sim.ports.line);
  try {
    assert.match(await c.ask("STREAM 1"), /^ERR EARG/);
    const from = c.lines.length;
    assert.equal(await c.ask("STREAM 50"), "OK stream=50");
    await c.waitFor(/^5,/, from, 5000);
    const seqs = c.lines.slice(from).filter((l) => /^\d/.test(l)).map((l) => decodeSampleCsv(l)!.seq);
    assert.deepEqual(seqs.slice(0, 5), [1, 2, 3, 4, 5]);
    assert.equal(await c.ask("STOP"), "OK stream=off");
  } finally {
    c.close();
  }
});

test("a 10 KB line gives one E2BIG and the connection goes on", async () => {
  const c = await LineConn.open(sim.ports.line);
  try {
    await c.waitFor(/^#/);
    c.sock.write("x".repeat(10240) + "\n");
    assert.match(await c.waitFor(/^ERR/), /^ERR E2BIG/);
    assert.match(await c.ask("STATUS"), /^OK /);
    assert.equal(c.lines.filter((l) => l.startsWith("ERR E2BIG")).length, 1);
  } finally {
    c.close();
  }
});

test("the client one too many gets ERR EBUSY and a close, and the device goes on", async () => {
  const held: LineConn[] = [];
  try {
    let refused: LineConn | null = null;
    for (let i = 0; i < 8 && refused === null; i++) {
      const c = await LineConn.open(sim.ports.line);
      const first = await c.waitFor(/^(#|ERR)/);
      if (first.startsWith("ERR")) refused = c;
      else held.push(c);
    }
    assert.ok(refused, "no client was refused");
    assert.match(refused.lines[0], /^ERR EBUSY/);
    await refused.waitClosed();
    assert.ok(held.length >= 3, `only ${held.length} served`);
    held.pop()!.close();
    await new Promise((r) => setTimeout(r, 300));
    const again = await LineConn.open(sim.ports.line);
    held.push(again);
    assert.match(await again.waitFor(/^(#|ERR)/), /^# /);
  } finally {
    for (const c of held) c.close();
    await settled();
  }
});

test("TCP echo returns all 256 byte values", async () => {
  const all = Buffer.alloc(256 * 4);
  for (let i = 0; i < all.length; i++) all[i] = i & 255;
  const got = await new Promise<Buffer>((res, rej) => {
    const parts: Buffer[] = [];
    let n = 0;
    const s = connect(sim.ports.echo, "127.0.0.1", () => s.write(all));
    s.on("data", (d: Buffer) => {
      parts.push(d);
      n += d.length;
      if (n >= all.length) {
        s.destroy();
        res(Buffer.concat(parts));
      }
    });
    s.on("error", rej);
    setTimeout(() => rej(new Error("echo timeout")), 5000);
  });
  assert.deepEqual(got, all);
});

test("UDP push sends decodable 16-byte frames to the target", async () => {
  const rx = createSocket("udp4");
  await new Promise<void>((r) => rx.bind(0, "127.0.0.1", () => r()));
  const port = (rx.address() as { port: number }).port;
  const frames: Buffer[] = [];
  rx.on("message", (m) => frames.push(m));
  const c = await LineConn.open(sim.ports.line);
  try {
    assert.equal(await c.ask(`UDP 127.0.0.1 ${port} 50`), `OK udp=127.0.0.1:${port}`);
    const deadline = Date.now() + 5000;
    while (frames.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await c.ask("UDP OFF"), "OK udp=off");
    assert.ok(frames.length >= 2, `got ${frames.length} frames`);
    const f = decodeFrame(frames[0].toString("latin1"));
    assert.ok(typeof f !== "string", String(f));
    assert.equal(f.sample.seq, 1);
  } finally {
    c.close();
    rx.close();
  }
});

test("FETCH of a local HTTP server answers its status and body size", async () => {
  const body = "z".repeat(1234);
  const srv = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": String(body.length) });
    res.end(body);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as { port: number }).port;
  const c = await LineConn.open(sim.ports.line);
  try {
    await c.waitFor(/^#/);
    const r = await c.ask(`FETCH http://127.0.0.1:${port}/x`);
    assert.equal(r, "OK status=200 bytes=1234");
  } finally {
    c.close();
    srv.close();
  }
});

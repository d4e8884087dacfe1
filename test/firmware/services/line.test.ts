import { before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { decodeSampleCsv } from "../../../lib/sample-csv.ts";
import { decodeFrame, FRAME_SIZE } from "../../../lib/sample-frame.ts";
import { advance, auth, board, device, FakeSocket, firmwareModule, http, loadDevice, logs, MAX_CLIENTS, mem, pins, resetDevice, TEST_VERSION, udp, wifi } from "./fakes.ts";

interface LineModule {
  lineAccept(s: FakeSocket): void;
  lineSweep(): void;
  lineSay(text: string): number;
  linePushing(): boolean;
  lineLoaded(): boolean;
  LINE_NEED: number;
  LINE_CODE_VARS: number;
}

let line: LineModule;
let limits: { LINE_MAX: number; MAX_UNSENT: number; STREAM_HOLD: number; LINE_IDLE_S: number };

before(async () => {
  await loadDevice();
  line = await firmwareModule<LineModule>("services/line.ts");
  limits = await firmwareModule("services/line-limits.ts");
});

beforeEach(resetDevice);

function connect(): FakeSocket {
  const s = new FakeSocket();
  line.lineAccept(s);
  return s;
}

/** Sends `cmd`, lets the network send the replies, and gives the reply lines it produced. */
function ask(s: FakeSocket, cmd: string): string[] {
  const before = s.lines().length;
  s.send(cmd);
  s.drain();
  return s.lines().slice(before);
}

const samples = (s: FakeSocket): number[] =>
  s
    .lines()
    .filter((l) => /^\d/.test(l))
    .map((l) => decodeSampleCsv(l)!.seq);

test("greets with the device name and version", () => {
  assert.deepEqual(connect().lines(), [`# ${board.deviceName} ${TEST_VERSION} ready`]);
});

test("HELP says whether a control token is set: AUTH answers OK either way", () => {
  assert.ok(ask(connect(), "HELP\n").includes("# control token: none; LED, UDP and FETCH are open to every client"));
  auth.useToken("s3cret-token");
  const r = ask(connect(), "HELP\n");
  assert.ok(r.includes("# control token: set; LED, UDP and FETCH need AUTH first"), r.join("|"));
  assert.ok(!r.join("\n").includes("s3cret"));
  assert.equal(r[r.length - 1], "OK");
});

test("HELP answers # lines then OK", () => {
  const r = ask(connect(), "HELP\n");
  assert.ok(r.length > 2);
  assert.equal(r[r.length - 1], "OK");
  assert.ok(r.slice(0, -1).every((l) => l.startsWith("#")));
  assert.ok(r.some((l) => l.includes("STREAM")));
});

test("STATUS answers the SPEC line", () => {
  advance(1234);
  assert.deepEqual(ask(connect(), "status\r\n"), ["OK uptime=1234 free=1300 led=0 clients=1 ip=192.168.1.50 rssi=-60 wifi=up dropped=0"]);
});

test("STATUS reports rssi=na and the AP address while the device is its own access point", () => {
  device.dev.wifi_ = "ap";
  assert.match(ask(connect(), "STATUS\n")[0], / ip=192\.168\.4\.1 rssi=na wifi=ap /);
});

test("READ answers a CSV sample numbered from 1 on the connection", () => {
  const s = connect();
  advance(2000);
  const a = ask(s, "READ\n")[0];
  const b = ask(s, "read\n")[0];
  assert.deepEqual(decodeSampleCsv(a.substring(3)), { seq: 1, ms: 2000, a0: 512, free: 1300, led: 0 });
  assert.equal(decodeSampleCsv(b.substring(3))?.seq, 2);
  assert.equal(decodeSampleCsv(ask(connect(), "READ\n")[0].substring(3))?.seq, 1);
});

test("LED ON, OFF and TOGGLE switch the LED (the board's active-low pin) and answer its state", () => {
  const s = connect();
  assert.deepEqual(ask(s, "LED ON\n"), ["OK led=1"]);
  assert.equal(device.dev.led_, 1);
  assert.deepEqual(pins.writes.at(-1), [board.pins.led, 0]);
  assert.deepEqual(ask(s, "led off\n"), ["OK led=0"]);
  assert.deepEqual(pins.writes.at(-1), [board.pins.led, 1]);
  assert.deepEqual(ask(s, "LED TOGGLE\n"), ["OK led=1"]);
  assert.deepEqual(ask(s, "led toggle\n"), ["OK led=0"]);
});

test("LED takes ON, OFF or TOGGLE only", () => {
  const s = connect();
  for (const c of ["LED", "LED 1", "LED ON OFF", "LED blink"]) assert.deepEqual(ask(s, c + "\n"), ["ERR EARG LED ON|OFF|TOGGLE"], c);
  assert.equal(device.dev.led_, 0);
});

test("STREAM sends OK, the header, then one sample per period numbered from 1", () => {
  const s = connect();
  assert.deepEqual(ask(s, "STREAM 100\n"), ["OK stream=100", "#seq,ms,a0,free,led"]);
  for (let i = 0; i < 3; i++) {
    advance(100);
    s.drain();
  }
  assert.deepEqual(samples(s), [1, 2, 3]);
  assert.equal(s.lines().length, 1 + 2 + 3);
});

test("STREAM without a rate streams once a second", () => {
  const s = connect();
  assert.deepEqual(ask(s, "STREAM\n"), ["OK stream=1000", "#seq,ms,a0,free,led"]);
  advance(999);
  assert.deepEqual(samples(s), []);
  advance(1);
  assert.deepEqual(samples(s), [1]);
});

test("STREAM 1, -5, abc, 49, 60001, 1e3 and extra words are EARG and start nothing", () => {
  const s = connect();
  for (const c of ["STREAM 1", "STREAM -5", "STREAM abc", "STREAM 49", "STREAM 60001", "STREAM 1e3", "STREAM 100 2"]) {
    assert.deepEqual(ask(s, c + "\n"), ["ERR EARG STREAM [ms], ms 50..60000"], c);
  }
  const n = s.lines().length;
  advance(5000);
  assert.equal(s.lines().length, n);
});

test("a second STREAM replaces the first: one stream, numbered from 1 again", () => {
  const s = connect();
  ask(s, "STREAM 100\n");
  advance(200);
  s.drain();
  ask(s, "STREAM 1000\n");
  const n = s.lines().length;
  advance(1000);
  assert.deepEqual(
    s
      .lines()
      .slice(n)
      .map((l) => decodeSampleCsv(l)?.seq),
    [1],
  );
});

test("STOP ends the stream", () => {
  const s = connect();
  ask(s, "STREAM 50\n");
  assert.deepEqual(ask(s, "STOP\n"), ["OK stream=off"]);
  const n = s.lines().length;
  advance(1000);
  assert.equal(s.lines().length, n);
});

test("commands without arguments refuse extra words", () => {
  const s = connect();
  assert.deepEqual(ask(s, "HELP me\n"), ["ERR EARG HELP takes no argument"]);
  assert.deepEqual(ask(s, "STATUS 1\n"), ["ERR EARG STATUS takes no argument"]);
  assert.deepEqual(ask(s, "READ x\n"), ["ERR EARG READ takes no argument"]);
  assert.deepEqual(ask(s, "STOP now\n"), ["ERR EARG STOP takes no argument"]);
  assert.deepEqual(ask(s, "QUIT 0\n"), ["ERR EARG QUIT takes no argument"]);
  assert.equal(s.ended, false);
});

test("a streaming client that does not read has samples dropped: seq shows the gap, STATUS counts them, output stays bounded", () => {
  const s = connect();
  ask(s, "STREAM 50\n");
  for (let i = 0; i < 100; i++) advance(50);
  assert.ok(s.held() <= limits.STREAM_HOLD + 40, `held ${s.held()} bytes`);
  assert.equal(s.ended, false);
  s.drain();
  advance(50);
  const seqs = samples(s);
  assert.equal(seqs[seqs.length - 1], 101);
  assert.ok(seqs.length < 20, `${seqs.length} samples sent`);
  const status = ask(s, "STATUS\n")[0];
  assert.equal(Number(/dropped=(\d+)/.exec(status)![1]), 101 - seqs.length);
});

test("a client that sends commands and never reads is closed before it holds MAX_UNSENT bytes", () => {
  const s = connect();
  for (let i = 0; i < 100 && s.clsNow !== true; i++) s.send("STATUS\n");
  // At once (Espruino's clsNow): end() would wait for the bytes the client does not read.
  assert.equal(s.clsNow, true);
  assert.ok(s.held() <= limits.MAX_UNSENT, `${s.held()} bytes held`);
  assert.ok(logs.some((l) => l.includes("not reading")));
});

test("a 10 KB line without newline gives one E2BIG and the connection lives on", () => {
  const s = connect();
  const big = "A".repeat(10240);
  for (let i = 0; i < big.length; i += 268) s.send(big.substring(i, i + 268));
  s.drain();
  s.send("\nREAD\n");
  const r = s.lines().slice(1);
  assert.deepEqual(
    r.filter((l) => l.startsWith("ERR")),
    [`ERR E2BIG line over ${limits.LINE_MAX} bytes`],
  );
  assert.match(r[r.length - 1], /^OK 1,/);
  assert.equal(s.ended, false);
});

test("all 256 byte values get error lines, never a crash, and the connection goes on", () => {
  const s = connect();
  let all = "";
  for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
  s.send(all + "\n");
  s.drain();
  const r = s.lines().slice(1);
  assert.ok(r.length > 0);
  assert.ok(r.every((l) => l.startsWith("ERR ")), JSON.stringify(r));
  assert.equal(s.ended, false);
  assert.match(ask(s, "STATUS\n")[0], /^OK uptime=/);
});

test("each byte value alone on a line never crashes the service", () => {
  const s = connect();
  for (let i = 0; i < 256; i++) {
    s.send(String.fromCharCode(i) + "\n");
    s.drain();
  }
  assert.equal(s.ended, false);
  assert.ok(s.lines().slice(1).every((l) => l.startsWith("ERR ")));
  assert.match(ask(s, "STATUS\n")[0], /^OK uptime=/);
});

test("a command split one byte per packet is answered once", () => {
  const s = connect();
  for (const ch of "STATUS\r\n") s.send(ch);
  assert.equal(s.lines().length, 2);
  assert.match(s.lines()[1], /^OK uptime=/);
});

test("ten commands in one packet get ten answers in order", () => {
  const s = connect();
  s.send("READ\n".repeat(10));
  const r = s.lines().slice(1);
  assert.equal(r.length, 10);
  assert.deepEqual(
    r.map((l) => decodeSampleCsv(l.substring(3))!.seq),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
});

test("unknown commands get ERR EUNKNOWN without echoing them, and empty lines are ignored", () => {
  const s = connect();
  assert.deepEqual(ask(s, "\n\r\n  \t \n"), []);
  assert.deepEqual(ask(s, "JUMP\n"), ["ERR EUNKNOWN try HELP"]);
  assert.deepEqual(ask(s, "SECRETWORD now\n"), ["ERR EUNKNOWN try HELP"]);
  assert.ok(!logs.join("\n").includes("SECRETWORD"));
});

test("the client one too many for the socket budget gets ERR EBUSY no socket and a close; a freed socket admits the next", () => {
  // The sim board: 10 sockets, 5 fixed (HTTP, echo TCP and UDP, line, console), 1 in reserve.
  assert.equal(MAX_CLIENTS, 4);
  const ok: FakeSocket[] = [];
  for (let i = 0; i < MAX_CLIENTS; i++) ok.push(connect());
  assert.ok(ok.every((s) => !s.ended && s.lines().length === 1));
  const extra = connect();
  assert.equal(extra.out, "ERR EBUSY no socket\r\n");
  assert.equal(extra.ended, true);
  assert.equal(extra.listeners("data"), 0);
  ok[0].close();
  const next = connect();
  assert.equal(next.ended, false);
  assert.equal(device.clients(), MAX_CLIENTS);
});

test("a socket Espruino has killed, its close not yet delivered, does not count against the budget", () => {
  const ok: FakeSocket[] = [];
  for (let i = 0; i < MAX_CLIENTS; i++) ok.push(connect());
  ok[1].kill();
  const next = connect();
  assert.equal(next.ended, false);
  assert.match(next.lines()[0], /^# .* ready$/);
  assert.equal(device.clients(), MAX_CLIENTS);
});

test("a socket already killed when accepted is ignored", () => {
  const s = new FakeSocket();
  s.kill();
  line.lineAccept(s);
  assert.equal(s.out, "");
  assert.equal(s.listeners("data"), 0);
  assert.equal(device.clients(), 0);
});

test("UDP sets the device's push target: 16-byte frames every period, kept after the connection closes", () => {
  const s = connect();
  assert.deepEqual(ask(s, "UDP 127.0.0.1 9 100\n"), ["OK udp=127.0.0.1:9"]);
  assert.equal(line.linePushing(), true);
  s.close();
  for (let i = 0; i < 3; i++) advance(100);
  assert.equal(udp.sent.length, 3);
  assert.ok(udp.sent.every((p) => p.msg.length === FRAME_SIZE && p.address === "127.0.0.1" && p.port === 9));
  const f = decodeFrame(udp.sent[2].msg);
  assert.ok(typeof f !== "string", String(f));
  assert.equal(f.sample.seq, 3);
  assert.equal(f.flags & 1, 1);
  assert.deepEqual(ask(connect(), "UDP OFF\n"), ["OK udp=off"]);
});

test("UDP OFF stops the push", () => {
  const s = connect();
  ask(s, "UDP 127.0.0.1 9 50\n");
  assert.deepEqual(ask(s, "udp off\n"), ["OK udp=off"]);
  assert.equal(line.linePushing(), false);
  advance(1000);
  assert.equal(udp.sent.length, 0);
  assert.deepEqual(ask(s, "UDP OFF\n"), ["OK udp=off"]);
});

test("UDP with a bad address, port or rate is EARG and starts nothing", () => {
  const s = connect();
  for (const c of ["UDP", "UDP 1.2.3.4", "UDP host 9000", "UDP 1.2.3.256 9000", "UDP 1.2.3.4 9000 100 x", "UDP ON"]) {
    assert.deepEqual(ask(s, c + "\n"), ["ERR EARG UDP <ipv4> <port> [ms] | UDP OFF"], c);
  }
  for (const c of ["UDP 1.2.3.4 0", "UDP 1.2.3.4 70000", "UDP 1.2.3.4 9000 10"]) {
    assert.deepEqual(ask(s, c + "\n"), ["ERR EARG UDP <ipv4> <port 1..65535> [ms 50..60000]"], c);
  }
  assert.equal(line.linePushing(), false);
});

test("UDP to an address where sending fails is logged once and the device goes on", () => {
  const s = connect();
  udp.throwOnSend = true;
  ask(s, "UDP 10.255.255.1 9 50\n");
  for (let i = 0; i < 10; i++) advance(50);
  assert.equal(logs.filter((l) => l.startsWith("udp: send")).length, 1);
  assert.match(ask(s, "STATUS\n")[0], /^OK /);
  ask(s, "UDP OFF\n");
});

test("FETCH with a bad URL is EARG and starts nothing", () => {
  const s = connect();
  for (const c of ["FETCH", "FETCH https://h/", "FETCH http://h/ x", "FETCH nonsense"]) {
    assert.deepEqual(ask(s, c + "\n"), ["ERR EARG FETCH http://host[:port]/path"], c);
  }
  advance(0);
  assert.equal(http.reqs.length, 0);
});

test("FETCH answers the status and the body's byte count, keeping no body, and holds a socket meanwhile", () => {
  const s = connect();
  s.send("FETCH http://10.0.0.2:8081/x\n");
  advance(0); // the GET starts from a timer
  const req = http.reqs[0];
  assert.deepEqual(req.opts, { host: "10.0.0.2", port: 8081, path: "/x" });
  assert.equal(device.dev.out_, 1);
  req.respond(200);
  req.data("d".repeat(500));
  req.data("d".repeat(36));
  req.close();
  s.drain();
  assert.equal(s.lines()[1], "OK status=200 bytes=536");
  assert.equal(device.dev.out_, 0);
});

test("FETCH of a host that never answers gives ERR ENET after the timeout and frees its socket", () => {
  const s = connect();
  s.send("FETCH http://10.9.9.9/\n");
  advance(0);
  advance(10000);
  assert.match(s.lines()[1], /^ERR ENET timeout/);
  assert.equal(http.reqs[0].clsNow, true);
  advance(5000);
  assert.equal(device.dev.out_, 0);
  s.drain();
  s.send("FETCH http://10.9.9.9/\n");
  advance(0);
  assert.equal(http.reqs.length, 2);
  http.reqs[1].fail(-1);
});

test("FETCH of a host that sends 1 MB stops at the byte bound with ERR ENET", () => {
  const s = connect();
  s.send("FETCH http://h/big\n");
  advance(0);
  const req = http.reqs[0];
  req.respond(200);
  for (let i = 0; i < 4000 && !req.clsNow; i++) req.data("b".repeat(268));
  assert.equal(req.clsNow, true);
  req.close();
  assert.match(s.lines()[1], /^ERR ENET body over 65536 bytes/);
  assert.equal(s.lines().length, 2);
  assert.equal(device.dev.out_, 0);
});

test("a second FETCH while one runs is EBUSY", () => {
  const a = connect();
  const b = connect();
  a.send("FETCH http://h/\n");
  assert.match(ask(b, "FETCH http://h/\n")[0], /^ERR EBUSY/);
  advance(0);
  http.reqs[0].respond(204);
  http.reqs[0].close();
  assert.equal(a.lines()[1], "OK status=204 bytes=0");
});

test("FETCH that cannot connect answers ERR ENET", () => {
  const s = connect();
  http.throwNext = true;
  s.send("FETCH http://h/\n");
  advance(0);
  assert.match(s.lines()[1], /^ERR ENET/);
  assert.equal(device.dev.out_, 0);
});

test("FETCH with every client socket taken is ERR EBUSY no socket", () => {
  const all: FakeSocket[] = [];
  for (let i = 0; i < MAX_CLIENTS; i++) all.push(connect());
  assert.deepEqual(ask(all[0], "FETCH http://h/\n"), ["ERR EBUSY no socket"]);
  advance(0);
  assert.equal(http.reqs.length, 0);
});

test("with a token, LED, UDP and FETCH need AUTH; a wrong token is EAUTH", () => {
  auth.useToken("s3cret-token");
  const s = connect();
  assert.deepEqual(ask(s, "LED ON\n"), ["ERR EAUTH send AUTH <token> first"]);
  assert.deepEqual(ask(s, "UDP 1.2.3.4 5\n"), ["ERR EAUTH send AUTH <token> first"]);
  assert.deepEqual(ask(s, "UDP OFF\n"), ["ERR EAUTH send AUTH <token> first"]);
  assert.deepEqual(ask(s, "FETCH http://h/\n"), ["ERR EAUTH send AUTH <token> first"]);
  assert.equal(device.dev.led_, 0);
  assert.equal(line.linePushing(), false);
  assert.deepEqual(ask(s, "AUTH wrong\n"), ["ERR EAUTH wrong token"]);
  assert.deepEqual(ask(s, "LED ON\n"), ["ERR EAUTH send AUTH <token> first"]);
  assert.deepEqual(ask(s, "AUTH s3cret-token\n"), ["OK auth"]);
  assert.deepEqual(ask(s, "LED ON\n"), ["OK led=1"]);
  assert.deepEqual(ask(connect(), "LED OFF\n"), ["ERR EAUTH send AUTH <token> first"]);
});

test("READ, STATUS and STREAM need no AUTH", () => {
  auth.useToken("s3cret-token");
  const s = connect();
  assert.match(ask(s, "READ\n")[0], /^OK 1,/);
  assert.match(ask(s, "STATUS\n")[0], /^OK uptime=/);
  assert.match(ask(s, "STREAM\n")[0], /^OK stream=1000/);
});

test("AUTH takes exactly one word", () => {
  auth.useToken("s3cret-token");
  const s = connect();
  assert.deepEqual(ask(s, "AUTH\n"), ["ERR EARG AUTH <token>"]);
  assert.deepEqual(ask(s, "AUTH a b\n"), ["ERR EARG AUTH <token>"]);
});

test("the token never appears in a reply or a log; AUTH is logged as AUTH ***", () => {
  auth.useToken("s3cret-token");
  const s = connect();
  ask(s, "AUTH s3cret-token\n");
  ask(s, "auth s3cret-tokex\n");
  ask(s, "AUTH s3cret-token extra\n");
  ask(s, "s3cret-token\n");
  assert.ok(!s.out.includes("s3cret"));
  assert.ok(!logs.join("\n").includes("s3cret"), logs.join("\n"));
  assert.ok(logs.some((l) => l.endsWith("AUTH ***")));
});

test("QUIT answers OK bye and closes", () => {
  const s = connect();
  assert.deepEqual(ask(s, "QUIT\n"), ["OK bye"]);
  assert.equal(s.ended, true);
});

test("a client that vanishes mid-stream frees its socket and timer; the others go on", () => {
  const a = connect();
  const b = connect();
  ask(a, "STREAM 50\n");
  const before = a.lines().length;
  a.close(true);
  assert.equal(device.clients(), 1);
  advance(500);
  assert.equal(a.lines().length, before);
  assert.match(ask(b, "READ\n")[0], /^OK 1,/);
});

test("an idle client is closed after LINE_IDLE_S sweeps; a streaming one is not", () => {
  const idle = connect();
  const busy = connect();
  const streaming = connect();
  ask(streaming, "STREAM 60000\n");
  for (let i = 0; i < limits.LINE_IDLE_S; i++) {
    line.lineSweep();
    if (i === 100) busy.send("READ\n");
  }
  assert.equal(idle.ended, false);
  line.lineSweep();
  assert.equal(idle.ended, true);
  assert.equal(idle.lines().at(-1), "# idle timeout");
  assert.equal(busy.ended, false);
  assert.equal(streaming.ended, false);
});

test("say() sends # say: <text> to every line client, without control bytes", () => {
  const a = connect();
  const b = connect();
  assert.equal(line.lineSay("hello\r\nworld"), 2);
  assert.equal(a.lines()[1], "# say: hello  world");
  assert.equal(b.lines()[1], "# say: hello  world");
});

test("under low memory a new client is refused with ERR EBUSY and STREAM is refused", () => {
  const s = connect();
  mem.free = 100;
  const late = connect();
  assert.equal(late.out, "ERR EBUSY low memory\r\n");
  assert.equal(late.ended, true);
  assert.deepEqual(ask(s, "STREAM\n"), ["ERR EBUSY low memory"]);
  assert.deepEqual(ask(s, "UDP 1.2.3.4 9\n"), ["ERR EBUSY low memory"]);
  assert.deepEqual(ask(s, "FETCH http://h/\n"), ["ERR EBUSY low memory"]);
  assert.equal(line.linePushing(), false);
});

test("a new client is admitted when only a garbage collection frees enough", () => {
  mem.free = device.GUARD_VARS + 10;
  mem.afterGc = 1300;
  assert.match(connect().lines()[0], /^# .* ready$/);
  mem.afterGc = device.GUARD_VARS + 10;
  assert.equal(connect().out, "ERR EBUSY low memory\r\n");
});

test("the protocol is loaded for the first client, kept while a client or the UDP push needs it, and dropped with a collection at the sweep after", () => {
  line.lineSweep();
  assert.equal(line.lineLoaded(), false);
  const a = connect();
  assert.equal(line.lineLoaded(), true);
  const b = connect();
  a.close();
  line.lineSweep();
  assert.equal(line.lineLoaded(), true, "a client is left");
  assert.deepEqual(ask(b, "UDP 127.0.0.1 9 1000\n"), ["OK udp=127.0.0.1:9"]);
  b.close();
  line.lineSweep();
  assert.equal(line.lineLoaded(), true, "the UDP push runs");
  const c = connect();
  assert.deepEqual(ask(c, "UDP OFF\n"), ["OK udp=off"]);
  c.close();
  const before = mem.collections;
  line.lineSweep();
  assert.equal(line.lineLoaded(), false);
  assert.equal(mem.collections, before + 1, "the drop collects the module's garbage");
  assert.equal(line.lineSay("anyone?"), 0);
  const beforeLoad = mem.collections;
  assert.match(connect().lines()[0], /^# .* ready$/, "loaded again for the next client");
  assert.ok(mem.collections > beforeLoad, "after a collection: a dropped copy a closing socket held is not left beside the new one");
});

test("the first client needs the protocol's variables too; a later one only its own", () => {
  line.lineSweep();
  mem.free = line.LINE_NEED + 10;
  const first = connect();
  assert.equal(first.out, "ERR EBUSY low memory\r\n");
  assert.equal(line.lineLoaded(), false, "refused before loading");
  mem.free = line.LINE_NEED + line.LINE_CODE_VARS;
  const s = connect();
  assert.match(s.lines()[0], /^# .* ready$/);
  mem.free = line.LINE_NEED + 10;
  assert.match(connect().lines()[0], /^# .* ready$/);
});

test("an exception in a command is logged, answered ERR EBUSY internal error, and the service goes on", () => {
  const s = connect();
  pins.a0Throws = true;
  assert.deepEqual(ask(s, "READ\n"), ["ERR EBUSY internal error"]);
  assert.ok(logs.some((l) => l.includes("READ failed") && l.includes("adc broke")));
  pins.a0Throws = false;
  assert.match(ask(s, "READ\n")[0], /^OK /);
});

test("a radio that cannot report its signal gives rssi=na in STATUS", () => {
  const s = connect();
  const saved = wifi.getDetails;
  wifi.getDetails = () => {
    throw new Error("no radio");
  };
  assert.match(ask(s, "STATUS\n")[0], / rssi=na /);
  wifi.getDetails = saved;
});

test("an idle client holds only its data and close listeners", () => {
  const s = connect();
  assert.deepEqual([s.listeners("data"), s.listeners("close"), s.listeners("drain"), s.listeners("error")], [1, 1, 0, 0]);
});

test("a socket error is followed by its close, which frees the client and is logged", () => {
  const s = connect();
  ask(s, "STREAM 100\n");
  s.emit("error", { code: -9, message: "connection reset" });
  s.close(true);
  assert.equal(device.clients(), 0);
  assert.equal(logs[logs.length - 1], "line 10.0.0.9: disconnect, socket error");
  advance(1000);
  assert.equal(samples(s).length, 0);
});

test("connects, commands and disconnects are logged with the peer address", () => {
  const s = connect();
  ask(s, "READ\n");
  s.close();
  assert.deepEqual(logs, ["line 10.0.0.9: connect", "line 10.0.0.9: READ", "line 10.0.0.9: disconnect"]);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeSampleCsv } from "../../../lib/sample-csv.ts";
import { decodeFrame } from "../../../lib/sample-frame.ts";
import { TokenAuth } from "../../../firmware/services/auth.ts";
import { FetchService } from "../../../firmware/services/fetch-service.ts";
import { runLine } from "../../../firmware/services/line-commands.ts";
import { LineServer, MAX_UNSENT } from "../../../firmware/services/line-server.ts";
import { UdpPush } from "../../../firmware/services/udp-push.ts";
import { FakeHttp, FakeNet, FakeSocket, FakeUdp, rig } from "./fakes.ts";

const PORT = 4444;

function start(token: string | null = null) {
  const r = rig();
  const net = new FakeNet();
  const udp = new FakeUdp();
  const http = new FakeHttp();
  const logs: string[] = [];
  const log = (l: string) => logs.push(l);
  const push = new UdpPush(udp, r.device, r.timers, log);
  const fetch = new FetchService(http, r.budget, r.timers, log, 10000, 65536);
  const server = new LineServer({ net, port: PORT, log, device: r.device, budget: r.budget, auth: new TokenAuth(token), timers: r.timers, push: () => push, fetch: () => fetch, idleMs: 300000, commands: () => runLine });
  const connect = (): FakeSocket => net.connect(PORT);
  return { ...r, net, udp, http, logs, server, connect };
}

/** Sends `cmd` and returns the reply lines it produced. */
function ask(s: FakeSocket, cmd: string): string[] {
  const before = s.lines().length;
  s.send(cmd);
  s.drain();
  return s.lines().slice(before);
}

test("greets with the device name and version", () => {
  const t = start();
  assert.deepEqual(t.connect().lines(), ["# espruino-test 9.9.9 ready"]);
});

test("HELP answers # lines then OK", () => {
  const t = start();
  const r = ask(t.connect(), "HELP\n");
  assert.ok(r.length > 2);
  assert.equal(r[r.length - 1], "OK");
  assert.ok(r.slice(0, -1).every((l) => l.startsWith("#")));
});

test("STATUS answers the SPEC line", () => {
  const t = start();
  t.timers.advance(1234);
  assert.deepEqual(ask(t.connect(), "status\r\n"), ["OK uptime=1234 free=1300 led=0 clients=1 ip=127.0.0.1 rssi=na wifi=up dropped=0"]);
});

test("READ answers a CSV sample numbered from 1 on the connection", () => {
  const t = start();
  const s = t.connect();
  const a = ask(s, "READ\n")[0];
  const b = ask(s, "READ\n")[0];
  assert.deepEqual(decodeSampleCsv(a.substring(3)), { seq: 1, ms: 0, a0: 512, free: 1300, led: 0 });
  assert.equal(decodeSampleCsv(b.substring(3))?.seq, 2);
});

test("LED ON, OFF and TOGGLE switch the LED and answer its state", () => {
  const t = start();
  const s = t.connect();
  assert.deepEqual(ask(s, "LED ON\n"), ["OK led=1"]);
  assert.equal(t.led.v, 1);
  assert.deepEqual(ask(s, "led off\n"), ["OK led=0"]);
  assert.deepEqual(ask(s, "LED TOGGLE\n"), ["OK led=1"]);
});

test("STREAM sends OK, the header, then one sample per period numbered from 1", () => {
  const t = start();
  const s = t.connect();
  assert.deepEqual(ask(s, "STREAM 100\n"), ["OK stream=100", "#seq,ms,a0,free,led"]);
  for (let i = 0; i < 3; i++) {
    t.timers.advance(100);
    s.drain();
  }
  const seqs = s.lines().slice(3).map((l) => decodeSampleCsv(l)?.seq);
  assert.deepEqual(seqs, [1, 2, 3]);
});

test("STREAM 1, STREAM -5 and STREAM abc are EARG and start nothing", () => {
  const t = start();
  const s = t.connect();
  for (const c of ["STREAM 1", "STREAM -5", "STREAM abc"]) assert.match(ask(s, c + "\n")[0], /^ERR EARG/);
  const n = s.lines().length;
  t.timers.advance(5000);
  assert.equal(s.lines().length, n);
});

test("STOP ends the stream", () => {
  const t = start();
  const s = t.connect();
  ask(s, "STREAM 50\n");
  assert.deepEqual(ask(s, "STOP\n"), ["OK stream=off"]);
  const n = s.lines().length;
  t.timers.advance(1000);
  assert.equal(s.lines().length, n);
});

test("a streaming client that does not read has samples dropped: seq shows the gap, STATUS counts them, output stays bounded", () => {
  const t = start();
  const s = t.connect();
  ask(s, "STREAM 50\n");
  t.timers.advance(50 * 100);
  assert.ok(s.pending <= 256 + 40, `held ${s.pending} bytes`);
  assert.equal(s.ended, false);
  s.drain();
  t.timers.advance(50);
  const samples = s.lines().filter((l) => /^\d/.test(l)).map((l) => decodeSampleCsv(l)!.seq);
  const last = samples[samples.length - 1];
  assert.equal(last, 101);
  assert.ok(samples.length < 20);
  const status = ask(s, "STATUS\n")[0];
  const dropped = Number(/dropped=(\d+)/.exec(status)![1]);
  assert.equal(dropped, 101 - samples.length);
});

test("a client that sends commands and never reads is closed once MAX_UNSENT bytes are held", () => {
  const t = start();
  const s = t.connect();
  for (let i = 0; i < 100 && !s.ended; i++) s.send("STATUS\n");
  assert.equal(s.ended, true);
  assert.ok(s.out.length <= MAX_UNSENT + 200);
  assert.ok(t.logs.some((l) => l.includes("not reading")));
});

test("a 10 KB line without newline gives one E2BIG and the connection lives on", () => {
  const t = start();
  const s = t.connect();
  const big = "A".repeat(10240);
  for (let i = 0; i < big.length; i += 268) s.send(big.substring(i, i + 268));
  s.drain();
  s.send("\nREAD\n");
  const r = s.lines().slice(1);
  assert.equal(r.filter((l) => l.startsWith("ERR E2BIG")).length, 1);
  assert.match(r[r.length - 1], /^OK 1,/);
});

test("all 256 byte values get error lines, never a crash, and the connection goes on", () => {
  const t = start();
  const s = t.connect();
  let all = "";
  for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
  s.send(all + "\n");
  s.drain();
  assert.ok(s.lines().slice(1).every((l) => l.startsWith("ERR ")));
  assert.equal(s.ended, false);
  assert.match(ask(s, "STATUS\n")[0], /^OK uptime=/);
});

test("a command split one byte per packet is answered once", () => {
  const t = start();
  const s = t.connect();
  for (const ch of "STATUS\r\n") s.send(ch);
  assert.equal(s.lines().length, 2);
  assert.match(s.lines()[1], /^OK uptime=/);
});

test("ten commands in one packet get ten answers in order", () => {
  const t = start();
  const s = t.connect();
  s.send("READ\n".repeat(10));
  const r = s.lines().slice(1);
  assert.equal(r.length, 10);
  assert.deepEqual(r.map((l) => decodeSampleCsv(l.substring(3))!.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test("the client one too many for the socket budget gets ERR EBUSY and a close; a freed slot admits the next", () => {
  const t = start();
  const ok = [t.connect(), t.connect(), t.connect(), t.connect()];
  assert.ok(ok.every((s) => !s.ended));
  const extra = t.connect();
  assert.equal(extra.out, "ERR EBUSY no socket\r\n");
  assert.equal(extra.ended, true);
  ok[0].close();
  const next = t.connect();
  assert.equal(next.ended, false);
  assert.equal(t.budget.inUse(), 4);
});

test("UDP sets the device's push target: binary frames every period, kept after the connection closes", () => {
  const t = start();
  const s = t.connect();
  assert.deepEqual(ask(s, "UDP 127.0.0.1 9 100\n"), ["OK udp=127.0.0.1:9"]);
  s.close();
  t.timers.advance(300);
  assert.equal(t.udp.sent.length, 3);
  const f = decodeFrame(t.udp.sent[2].msg);
  assert.ok(typeof f !== "string");
  assert.equal(f.sample.seq, 3);
  assert.equal(f.flags & 1, 1);
  assert.deepEqual([t.udp.sent[0].address, t.udp.sent[0].port], ["127.0.0.1", 9]);
});

test("UDP OFF stops the push", () => {
  const t = start();
  const s = t.connect();
  ask(s, "UDP 127.0.0.1 9 50\n");
  assert.deepEqual(ask(s, "UDP OFF\n"), ["OK udp=off"]);
  t.timers.advance(1000);
  assert.equal(t.udp.sent.length, 0);
});

test("UDP to an address where sending fails is logged once and the device goes on", () => {
  const t = start();
  const s = t.connect();
  t.udp.throwOnSend = true;
  ask(s, "UDP 10.255.255.1 9 50\n");
  t.timers.advance(500);
  assert.equal(t.logs.filter((l) => l.startsWith("udp: send")).length, 1);
  assert.match(ask(s, "STATUS\n")[0], /^OK /);
});

test("FETCH answers the status and the body's byte count, keeping no body", () => {
  const t = start();
  const s = t.connect();
  s.send("FETCH http://10.0.0.2:8081/x\n");
  t.timers.advance(0); // the GET starts from a timer
  const req = t.http.reqs[0];
  assert.deepEqual([req.host, req.port, req.path], ["10.0.0.2", 8081, "/x"]);
  assert.equal(t.budget.inUse(), 2);
  req.cb("status", 200);
  req.cb("data", 500);
  req.cb("data", 36);
  req.cb("end", 0);
  s.drain();
  assert.equal(s.lines()[1], "OK status=200 bytes=536");
  assert.equal(t.budget.inUse(), 1);
});

test("FETCH of a host that never answers gives ERR ENET after the timeout and frees its socket", () => {
  const t = start();
  const s = t.connect();
  s.send("FETCH http://10.9.9.9/\n");
  t.timers.advance(0); // the GET starts from a timer
  t.timers.advance(10000);
  assert.match(s.lines()[1], /^ERR ENET timeout/);
  assert.equal(t.http.reqs[0].aborted, true);
  t.timers.advance(5000);
  assert.equal(t.budget.inUse(), 1);
  s.drain();
  s.send("FETCH http://10.9.9.9/\n");
  t.timers.advance(0); // the GET starts from a timer
  assert.equal(t.http.reqs.length, 2);
});

test("FETCH of a host that sends 1 MB stops at the byte bound with ERR ENET", () => {
  const t = start();
  const s = t.connect();
  s.send("FETCH http://h/big\n");
  t.timers.advance(0); // the GET starts from a timer
  const req = t.http.reqs[0];
  req.cb("status", 200);
  for (let i = 0; i < 4000 && !req.aborted; i++) req.cb("data", 268);
  assert.equal(req.aborted, true);
  req.cb("end", 0);
  assert.match(s.lines()[1], /^ERR ENET body over 65536 bytes/);
  assert.equal(s.lines().length, 2);
  assert.equal(t.budget.inUse(), 1);
});

test("a second FETCH while one runs is EBUSY", () => {
  const t = start();
  const a = t.connect();
  const b = t.connect();
  a.send("FETCH http://h/\n");
  assert.match(ask(b, "FETCH http://h/\n")[0], /^ERR EBUSY/);
});

test("FETCH that cannot connect answers ERR ENET", () => {
  const t = start();
  const s = t.connect();
  t.http.throwNext = true;
  s.send("FETCH http://h/\n");
  t.timers.advance(0); // the GET starts from a timer, off the command's call stack
  s.drain();
  assert.match(s.lines()[1], /^ERR ENET/);
  assert.equal(t.budget.inUse(), 1);
});

test("with a token, LED, UDP and FETCH need AUTH; a wrong token is EAUTH", () => {
  const t = start("s3cret-token");
  const s = t.connect();
  assert.match(ask(s, "LED ON\n")[0], /^ERR EAUTH/);
  assert.match(ask(s, "UDP 1.2.3.4 5\n")[0], /^ERR EAUTH/);
  assert.match(ask(s, "FETCH http://h/\n")[0], /^ERR EAUTH/);
  assert.match(ask(s, "AUTH wrong\n")[0], /^ERR EAUTH/);
  assert.deepEqual(ask(s, "AUTH s3cret-token\n"), ["OK auth"]);
  assert.deepEqual(ask(s, "LED ON\n"), ["OK led=1"]);
});

test("the token never appears in a reply or a log; AUTH is logged as AUTH ***", () => {
  const t = start("s3cret-token");
  const s = t.connect();
  ask(s, "AUTH s3cret-token\n");
  ask(s, "AUTH s3cret-tokex\n");
  ask(s, "AUTH s3cret-token extra\n");
  ask(s, "s3cret-token\n");
  assert.ok(!s.out.includes("s3cret"));
  assert.ok(!t.logs.join("\n").includes("s3cret"));
  assert.ok(t.logs.some((l) => l.endsWith("AUTH ***")));
});

test("QUIT answers OK bye and closes", () => {
  const t = start();
  const s = t.connect();
  assert.deepEqual(ask(s, "QUIT\n"), ["OK bye"]);
  assert.equal(s.ended, true);
});

test("a client that vanishes mid-stream frees its socket and timer; the others go on", () => {
  const t = start();
  const a = t.connect();
  const b = t.connect();
  ask(a, "STREAM 50\n");
  const timersBefore = t.timers.count();
  a.close(true);
  assert.equal(t.timers.count(), timersBefore - 1);
  assert.equal(t.budget.inUse(), 1);
  t.timers.advance(500);
  assert.match(ask(b, "READ\n")[0], /^OK 1,/);
});

test("an idle client is closed after the idle timeout; a streaming one is not", () => {
  const t = start();
  const idle = t.connect();
  const streaming = t.connect();
  ask(streaming, "STREAM 60000\n");
  t.timers.advance(300000 + 5000);
  assert.equal(idle.ended, true);
  assert.equal(streaming.ended, false);
});

test("say() sends # say: <text> to every line client, without control bytes", () => {
  const t = start();
  const a = t.connect();
  const b = t.connect();
  assert.equal(t.server.say("hello\r\nworld"), 2);
  assert.equal(a.lines()[1], "# say: hello  world");
  assert.equal(b.lines()[1], "# say: hello  world");
});

test("under low memory a new client is refused with ERR EBUSY and STREAM is refused", () => {
  const t = start();
  const s = t.connect();
  t.free.v = 100;
  const late = t.connect();
  assert.equal(late.out, "ERR EBUSY low memory\r\n");
  assert.equal(late.ended, true);
  assert.match(ask(s, "STREAM\n")[0], /^ERR EBUSY low memory/);
});

test("a new client is refused with ERR EBUSY low memory when fewer than clientVars are free", () => {
  const r = rig();
  const net = new FakeNet();
  const log = () => {};
  const server = new LineServer({ net, port: PORT, log, device: r.device, budget: r.budget, auth: new TokenAuth(null), timers: r.timers, push: () => new UdpPush(new FakeUdp(), r.device, r.timers, log), fetch: () => new FetchService(new FakeHttp(), r.budget, r.timers, log, 10000, 65536), idleMs: 300000, clientVars: 410, commands: () => runLine });
  r.free.v = 420;
  assert.deepEqual(net.connect(PORT).lines(), ["# espruino-test 9.9.9 ready"]);
  r.free.v = 400;
  const late = net.connect(PORT);
  assert.equal(late.out, "ERR EBUSY low memory\r\n");
  assert.equal(late.ended, true);
  assert.equal(server.say("x"), 1);
});

test("an exception in a command is logged, answered, and the server goes on", () => {
  const t = start();
  const s = t.connect();
  t.device.readA0 = () => {
    throw new Error("adc broke");
  };
  assert.match(ask(s, "READ\n")[0], /^ERR /);
  assert.ok(t.logs.some((l) => l.includes("adc broke")));
  assert.match(ask(s, "STATUS\n")[0], /^OK /);
});

test("an idle client holds only its data and close listeners and the count of its greeting's bytes", () => {
  const t = start();
  const s = t.connect();
  assert.deepEqual([s.listeners("data"), s.listeners("close"), s.listeners("drain"), s.listeners("error")], [1, 1, 0, 0]);
  assert.equal(Object.keys(s).filter((k) => k.endsWith("_")).length, 1);
});

test("a socket error is followed by its close, which frees the client and is logged", () => {
  const t = start();
  const s = t.connect();
  s.emit("error", { code: -9, message: "connection reset" });
  s.close(true);
  assert.equal(t.budget.inUse(), 0);
  assert.equal(t.timers.count(), 0);
  assert.equal(t.logs[t.logs.length - 1], "line 10.0.0.9: disconnect, socket error");
});

test("connects, commands and disconnects are logged with the peer address", () => {
  const t = start();
  const s = t.connect();
  ask(s, "READ\n");
  s.close();
  assert.deepEqual(t.logs, ["line 10.0.0.9: connect", "line 10.0.0.9: READ", "line 10.0.0.9: disconnect"]);
});

test("unknown commands get ERR EUNKNOWN and empty lines are ignored", () => {
  const t = start();
  const s = t.connect();
  assert.deepEqual(ask(s, "\n\r\n"), []);
  assert.match(ask(s, "JUMP\n")[0], /^ERR EUNKNOWN/);
});

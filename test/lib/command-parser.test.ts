import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCommand, splitWords } from "../../lib/command-parser.ts";

const code = (line: string): string => {
  const c = parseCommand(line);
  return c === null ? "null" : c.cmd === "ERR" ? c.code : c.cmd;
};

test("an empty or blank line gives null", () => {
  assert.equal(parseCommand(""), null);
  assert.equal(parseCommand("  \t "), null);
});

test("splitWords splits on runs of spaces and tabs", () => {
  assert.deepEqual(splitWords("  UDP\t1.2.3.4   99 "), ["UDP", "1.2.3.4", "99"]);
});

test("keywords are case-insensitive", () => {
  for (const l of ["help", "Status", "rEaD", "stop", "QUIT"]) assert.equal(code(l), l.toUpperCase());
  assert.deepEqual(parseCommand("led toggle"), { cmd: "LED", mode: "TOGGLE" });
  assert.deepEqual(parseCommand("udp off"), { cmd: "UDPOFF" });
});

test("LED takes ON, OFF or TOGGLE only", () => {
  assert.deepEqual(parseCommand("LED ON"), { cmd: "LED", mode: "ON" });
  assert.deepEqual(parseCommand("LED OFF"), { cmd: "LED", mode: "OFF" });
  for (const l of ["LED", "LED 1", "LED ON OFF", "LED blink"]) assert.equal(code(l), "EARG", l);
});

test("STREAM defaults to 1000 ms and takes 50..60000", () => {
  assert.deepEqual(parseCommand("STREAM"), { cmd: "STREAM", ms: 1000 });
  assert.deepEqual(parseCommand("STREAM 50"), { cmd: "STREAM", ms: 50 });
  assert.deepEqual(parseCommand("STREAM 60000"), { cmd: "STREAM", ms: 60000 });
});

test("STREAM 1, -5, abc, 49, 60001 and extra words are EARG, never clamped", () => {
  for (const l of ["STREAM 1", "STREAM -5", "STREAM abc", "STREAM 49", "STREAM 60001", "STREAM 100 2", "STREAM 1e3"]) {
    assert.equal(code(l), "EARG", l);
  }
});

test("UDP parses ip, port and an optional rate", () => {
  assert.deepEqual(parseCommand("UDP 192.168.1.5 9000"), { cmd: "UDP", ip: "192.168.1.5", port: 9000, ms: 1000 });
  assert.deepEqual(parseCommand("UDP 10.0.0.1 1 50"), { cmd: "UDP", ip: "10.0.0.1", port: 1, ms: 50 });
});

test("UDP with a bad address, port or rate is EARG", () => {
  for (const l of ["UDP", "UDP 1.2.3.4", "UDP host 9000", "UDP 1.2.3.256 9000", "UDP 1.2.3.4 0", "UDP 1.2.3.4 70000", "UDP 1.2.3.4 9000 10", "UDP 1.2.3.4 9000 100 x", "UDP ON"]) {
    assert.equal(code(l), "EARG", l);
  }
});

test("FETCH takes one http URL", () => {
  assert.deepEqual(parseCommand("FETCH http://10.0.0.2:81/x"), { cmd: "FETCH", url: { host: "10.0.0.2", port: 81, path: "/x" } });
  for (const l of ["FETCH", "FETCH https://h/", "FETCH http://h/ x", "FETCH nonsense"]) assert.equal(code(l), "EARG", l);
});

test("AUTH takes one token", () => {
  assert.deepEqual(parseCommand("AUTH s3cret"), { cmd: "AUTH", token: "s3cret" });
  assert.equal(code("AUTH"), "EARG");
  assert.equal(code("AUTH a b"), "EARG");
});

test("commands without arguments refuse extra words", () => {
  for (const l of ["HELP me", "STATUS 1", "READ x", "STOP now", "QUIT 0"]) assert.equal(code(l), "EARG", l);
});

test("unknown keywords, and binary garbage, are EUNKNOWN", () => {
  assert.equal(code("JUMP"), "EUNKNOWN");
  let s = "";
  for (let i = 0; i < 256; i++) if (i !== 10 && i !== 32 && i !== 9) s += String.fromCharCode(i);
  assert.equal(code(s), "EUNKNOWN");
});

test("the EUNKNOWN message does not echo the input", () => {
  const c = parseCommand("SECRETWORD");
  assert.ok(c && c.cmd === "ERR" && !c.msg.includes("SECRETWORD"));
});

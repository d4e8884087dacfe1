import { test } from "node:test";
import assert from "node:assert/strict";
import { frameLines, type FrameState } from "../../lib/line-framer.ts";

/** A framer over a plain state object, as the line server keeps it on its socket. */
function framer(max: number) {
  const st: FrameState = { held_: "" };
  return {
    st,
    push: (chunk: string, sink: (err: string | null, line: string) => void) => frameLines(st, max, chunk, (_st, err, line) => sink(err, line)),
    held: () => (st.held_ === null ? 0 : st.held_.length),
  };
}
import { randomSplit, rng } from "../helpers/random.ts";

function frame(chunks: string[], max = 128): Array<string> {
  const f = framer(max);
  const out: string[] = [];
  for (const c of chunks) f.push(c, (err, line) => out.push(err ?? "=" + line));
  return out;
}

test("splits lines at \\n and drops one \\r before it", () => {
  assert.deepEqual(frame(["HELP\r\nSTATUS\nREAD\r\r\n"]), ["=HELP", "=STATUS", "=READ\r"]);
});

test("passes empty lines on", () => {
  assert.deepEqual(frame(["\n\r\nX\n"]), ["=", "=", "=X"]);
});

test("holds a partial line until its newline arrives", () => {
  const f = framer(128);
  const out: string[] = [];
  f.push("STA", (e, l) => out.push(l));
  assert.equal(out.length, 0);
  assert.equal(f.held(), 3);
  f.push("TUS\n", (e, l) => out.push(l));
  assert.deepEqual(out, ["STATUS"]);
  assert.equal(f.held(), 0);
});

test("accepts a line of exactly 128 bytes, with or without \\r", () => {
  const l = "x".repeat(128);
  assert.deepEqual(frame([l + "\n", l + "\r\n"]), ["=" + l, "=" + l]);
});

test("a line of 129 bytes gives E2BIG once and the next line is framed", () => {
  assert.deepEqual(frame(["y".repeat(129) + "\nREAD\n"]), ["E2BIG", "=READ"]);
});

test("10 KB without a newline gives one E2BIG and holds at most 129 bytes", () => {
  const f = framer(128);
  const out: string[] = [];
  const big = "z".repeat(10240);
  for (let i = 0; i < big.length; i += 100) {
    f.push(big.substring(i, i + 100), (e, l) => out.push(e ?? l));
    assert.ok(f.held() <= 129);
  }
  assert.deepEqual(out, ["E2BIG"]);
  f.push("tail\nSTATUS\n", (e, l) => out.push(e ?? l));
  assert.deepEqual(out, ["E2BIG", "STATUS"]);
});

test("129 bytes ending in \\r held across chunks are not yet an error", () => {
  assert.deepEqual(frame(["a".repeat(128) + "\r", "\n"]), ["=" + "a".repeat(128)]);
  assert.deepEqual(frame(["a".repeat(128) + "\r", "b\n"]), ["E2BIG"]);
});

test("is binary-safe: all 256 byte values pass through except the newline", () => {
  let s = "";
  for (let i = 0; i < 256; i++) if (i !== 10) s += String.fromCharCode(i);
  const out = frame([s.substring(0, 100) + "\n", s.substring(100) + "\n"], 300);
  assert.deepEqual(out, ["=" + s.substring(0, 100), "=" + s.substring(100)]);
});

test("every random split of the same input gives the same lines", () => {
  const input = "HELP\r\nSTATUS\n" + "q".repeat(300) + "\nLED ON\r\n\nSTREAM 50\n" + "w".repeat(129) + "\r\nQUIT\n";
  const whole = frame([input]);
  assert.deepEqual(whole, ["=HELP", "=STATUS", "E2BIG", "=LED ON", "=", "=STREAM 50", "E2BIG", "=QUIT"]);
  const rand = rng(42);
  for (let k = 0; k < 300; k++) assert.deepEqual(frame(randomSplit(input, rand, 1 + k % 40)), whole);
});

test("one byte per chunk gives the same lines", () => {
  const input = "READ\nSTATUS\r\n";
  assert.deepEqual(frame(input.split("")), ["=READ", "=STATUS"]);
});

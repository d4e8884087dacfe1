import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeFrame, encodeFrame, FLAG_LOW_MEMORY, FLAG_WIFI_UP } from "../../lib/sample-frame.ts";

const bytes = (f: string): number[] => Array.from(f, (c) => c.charCodeAt(0));

test("encodes the 16-byte little-endian frame with its sum (golden vector)", () => {
  const f = encodeFrame({ seq: 0x0102, ms: 0x0a0b0c0d, a0: 0x03ff, free: 0x0640, led: 1 }, FLAG_WIFI_UP);
  const head = [0xa5, 1, 0x02, 0x01, 0x0d, 0x0c, 0x0b, 0x0a, 0xff, 0x03, 0x40, 0x06, 1, 1];
  const sum = head.reduce((a, b) => a + b, 0);
  assert.deepEqual(bytes(f), [...head, sum & 255, sum >> 8]);
  assert.equal(f.length, 16);
});

test("every byte and the sum hold at the edges of each field (a byte of 255 everywhere, ms past 2^32)", () => {
  const cases = [
    { s: { seq: 65535, ms: 4294967295, a0: 65535, free: 65535, led: 255 }, flags: 255 },
    { s: { seq: 0, ms: 0, a0: 0, free: 0, led: 0 }, flags: 0 },
    { s: { seq: 70000, ms: 4294967296 + 0x01ff01ff, a0: 1023, free: 1600, led: 1 }, flags: 3 },
  ];
  for (const { s, flags } of cases) {
    const b = bytes(encodeFrame(s, flags));
    const ms = s.ms % 4294967296;
    const want = [0xa5, 1, s.seq & 255, (s.seq >> 8) & 255, ms & 255, (ms >>> 8) & 255, (ms >>> 16) & 255, ms >>> 24];
    want.push(s.a0 & 255, (s.a0 >> 8) & 255, s.free & 255, (s.free >> 8) & 255, s.led & 255, flags & 255);
    const sum = want.reduce((a, c) => a + c, 0);
    assert.deepEqual(b, [...want, sum & 255, sum >> 8], JSON.stringify(s));
  }
});

test("seq is sent modulo 65536", () => {
  const d = decodeFrame(encodeFrame({ seq: 65537, ms: 1, a0: 0, free: 0, led: 0 }, 0));
  assert.ok(typeof d !== "string");
  assert.equal(d.sample.seq, 1);
});

test("decodes what it encodes, flags included", () => {
  const s = { seq: 7, ms: 123456789, a0: 600, free: 1300, led: 0 };
  assert.deepEqual(decodeFrame(encodeFrame(s, FLAG_WIFI_UP | FLAG_LOW_MEMORY)), { sample: s, flags: 3 });
});

test("refuses a wrong length, magic, version or sum", () => {
  const f = encodeFrame({ seq: 1, ms: 2, a0: 3, free: 4, led: 1 }, 0);
  const at = (i: number, v: number) => f.substring(0, i) + String.fromCharCode(v) + f.substring(i + 1);
  assert.equal(decodeFrame(f.substring(0, 15)), "ELEN");
  assert.equal(decodeFrame(at(0, 0x5a)), "EMAGIC");
  assert.equal(decodeFrame(at(1, 2)), "EVERSION");
  assert.equal(decodeFrame(at(8, 9)), "ESUM");
});

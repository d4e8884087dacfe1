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

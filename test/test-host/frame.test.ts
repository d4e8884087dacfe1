/* The harness's own UDP frame decoder, checked against hand-written bytes and the firmware's encoder. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeFrame as libEncode } from "../../lib/sample-frame.ts";
import { createSeqUnwrapper, decodeFrame, encodeFrame, frameSum } from "../../test-host/frame.ts";

// seq 0x0102, ms 0x00030405, a0 513, free 1234, led 1, flags 1; sum of bytes 0..13 = 0x190 (400).
const GOLDEN = Uint8Array.from([0xa5, 0x01, 0x02, 0x01, 0x05, 0x04, 0x03, 0x00, 0x01, 0x02, 0xd2, 0x04, 0x01, 0x01, 0x90, 0x01]);

test("decodeFrame reads every field of a hand-written little-endian frame", () => {
  const r = decodeFrame(GOLDEN);
  assert.ok(r.ok);
  assert.deepEqual(
    { seq: r.frame.seq, ms: r.frame.ms, a0: r.frame.a0, free: r.frame.free, led: r.frame.led, wifiUp: r.frame.wifiUp, lowMemory: r.frame.lowMemory },
    { seq: 0x0102, ms: 0x030405, a0: 513, free: 1234, led: 1, wifiUp: true, lowMemory: false },
  );
});

test("frameSum adds bytes 0..13 modulo 65536", () => {
  assert.equal(frameSum(GOLDEN), 0x190);
  assert.equal(frameSum(new Uint8Array(16).fill(255)), 14 * 255);
});

test("decodeFrame rejects a wrong sum, magic, version, length and out-of-range fields with their codes", () => {
  const bad = (patch: (b: Uint8Array) => void): string => {
    const b = Uint8Array.from(GOLDEN);
    patch(b);
    const r = decodeFrame(b);
    return r.ok ? "ok" : r.error;
  };
  assert.equal(bad((b) => (b[14] ^= 1)), "ESUM");
  assert.equal(bad((b) => (b[6] ^= 0x10)), "ESUM");
  assert.equal(bad((b) => (b[0] = 0xa4)), "EMAGIC");
  assert.equal(bad((b) => (b[1] = 2)), "EVERSION");
  assert.equal(decodeFrame(GOLDEN.subarray(0, 15)).ok, false);
  assert.equal((decodeFrame(new Uint8Array(17)) as { error: string }).error, "ELEN");
  assert.equal(decodeFrame(encodeFrame({ seq: 1, ms: 1, a0: 1024, free: 1, led: 0, flags: 0 })).ok, false);
  assert.equal(decodeFrame(encodeFrame({ seq: 1, ms: 1, a0: 0, free: 1, led: 2, flags: 0 })).ok, false);
  assert.equal(decodeFrame(encodeFrame({ seq: 1, ms: 1, a0: 0, free: 1, led: 0, flags: 4 })).ok, false);
});

test("decodeFrame agrees with the firmware's encoder (lib/sample-frame.ts), including seq and ms wrap-around", () => {
  const cases = [
    { seq: 1, ms: 0, a0: 0, free: 0, led: 0, flags: 0 },
    { seq: 65537, ms: 4294967296 + 7, a0: 1023, free: 65535, led: 1, flags: 3 },
    { seq: 40000, ms: 123456789, a0: 512, free: 1300, led: 1, flags: 2 },
  ];
  for (const c of cases) {
    const s = libEncode({ seq: c.seq, ms: c.ms, a0: c.a0, free: c.free, led: c.led }, c.flags);
    const r = decodeFrame(Buffer.from(s, "latin1"));
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.frame.seq, c.seq % 65536);
    assert.equal(r.frame.ms, c.ms % 4294967296);
    assert.deepEqual([r.frame.a0, r.frame.free, r.frame.led, r.frame.flags], [c.a0, c.free, c.led, c.flags]);
  }
});

test("the seq unwrapper carries 16-bit sequence numbers past 65535", () => {
  const u = createSeqUnwrapper();
  assert.deepEqual([65534, 65535, 0, 1, 3].map(u), [65534, 65535, 65536, 65537, 65539]);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { isIpv4, parseDecimal, parsePort, parseRange } from "../../lib/decimal.ts";

test("parseDecimal reads plain digits", () => {
  assert.equal(parseDecimal("0", 5), 0);
  assert.equal(parseDecimal("60000", 5), 60000);
});

test("parseDecimal refuses signs, spaces, leading zeros, letters, empty and too many digits", () => {
  for (const s of ["", "-5", "+5", " 5", "5 ", "05", "5a", "abc", "1.5", "1e3", "123456"]) {
    assert.equal(parseDecimal(s, 5), -1, s);
  }
});

test("parseRange refuses out-of-range values instead of clamping", () => {
  assert.equal(parseRange("49", 50, 60000), -1);
  assert.equal(parseRange("50", 50, 60000), 50);
  assert.equal(parseRange("60001", 50, 60000), -1);
});

test("parsePort takes 1..65535 only", () => {
  assert.equal(parsePort("1"), 1);
  assert.equal(parsePort("65535"), 65535);
  assert.equal(parsePort("0"), -1);
  assert.equal(parsePort("65536"), -1);
  assert.equal(parsePort("99999999999"), -1);
});

test("isIpv4 accepts dotted quads", () => {
  for (const s of ["127.0.0.1", "0.0.0.0", "255.255.255.255", "192.168.4.1"]) assert.ok(isIpv4(s), s);
});

test("isIpv4 refuses malformed addresses", () => {
  for (const s of ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..3.4", "a.b.c.d", "1.2.3.-4", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4.", "localhost"]) {
    assert.ok(!isIpv4(s), s);
  }
});

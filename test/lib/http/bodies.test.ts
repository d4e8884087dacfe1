import { test } from "node:test";
import assert from "node:assert/strict";
import { LED_OFF, LED_ON, LED_TOGGLE, parseForm, parseLedBody } from "../../../lib/http/bodies.ts";

test("LED bodies: on, off, toggle and the JSON forms", () => {
  assert.equal(parseLedBody("on"), LED_ON);
  assert.equal(parseLedBody(" OFF\r\n"), LED_OFF);
  assert.equal(parseLedBody("Toggle"), LED_TOGGLE);
  assert.equal(parseLedBody('{"led":1}'), LED_ON);
  assert.equal(parseLedBody('{ "led" : 0 }'), LED_OFF);
  assert.equal(parseLedBody('{"led":true}'), LED_ON);
  assert.equal(parseLedBody('{"led":false}'), LED_OFF);
});

test("other LED bodies are bad", () => {
  for (const b of ["", "1", "onn", '{"led":2}', '{"led":"1"}', "on off", '{"x":1}', "true", "false"]) assert.equal(parseLedBody(b), -1, b);
});

test("a form gives the asked fields, decoded", () => {
  assert.deepEqual(parseForm("ssid=My+Net%21&password=p%40ss+word&x=1&token=", ["ssid", "password", "token"]), {
    ssid: "My Net!",
    password: "p@ss word",
    token: "",
  });
});

test("a form with a bad escape or %00 is bad", () => {
  assert.equal(parseForm("ssid=%zz", ["ssid"]), null);
  assert.equal(parseForm("ssid=a%00b", ["ssid"]), null);
});

test("a field without = is an empty value", () => {
  assert.deepEqual(parseForm("ssid&", ["ssid"]), { ssid: "" });
});

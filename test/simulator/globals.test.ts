/*
 * The simulator's global scope: builtins Espruino lacks are absent (so code using them fails as
 * on the chip), process.memory() has Espruino's fields and the board's total, process.env names
 * the board, timers return numbers, pins and analogRead(A0) behave as on the ESP8266.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { devJSON, simWith } from "./helpers.ts";

test("builtins Espruino lacks are absent in the device's scope", async () => {
  const sim = await simWith("");
  try {
    const missing = [
      "typeof Map", "typeof Set", "typeof WeakMap", "typeof Symbol", "typeof Proxy", "typeof Reflect",
      "typeof Array.from", "typeof Object.freeze", "typeof Number.isInteger", "typeof Math.trunc",
      "typeof Promise.prototype.finally", "typeof setImmediate", "typeof queueMicrotask", "typeof structuredClone",
      "typeof Buffer", "typeof TextEncoder", "typeof fetch", "typeof [].flat", "typeof ''.trimStart", "typeof RangeError",
    ];
    const types = devJSON(sim, `[${missing.join(",")}]`) as string[];
    missing.forEach((m, i) => assert.equal(types[i], "undefined", m));
    assert.equal(String(devJSON(sim, "[typeof InternalError, typeof E.toString, typeof atob, typeof ({}).on, typeof ({}).once]")), "function,function,function,function,undefined");
  } finally {
    await sim.dispose();
  }
});

test("process.memory() has Espruino's fields, the board's total, and free falls with open sockets and low memory", async () => {
  const sim = await simWith("");
  try {
    const m = devJSON(sim, "process.memory()") as Record<string, number>;
    assert.deepEqual(Object.keys(m).sort(), ["blocksize", "free", "gc", "gctime", "history", "total", "usage"]);
    assert.equal(m.total, 1600);
    assert.equal(m.free + m.usage, m.total);
    sim.evaluate('global.s = require("net").createServer(function () {}); s.listen(9400)');
    assert.ok((devJSON(sim, "process.memory().free") as number) < m.free);
    sim.fault({ lowMemory: true });
    assert.ok((devJSON(sim, "process.memory().free") as number) <= 40);
    assert.deepEqual(devJSON(sim, "E.getErrorFlags()"), ["LOW_MEMORY"]);
  } finally {
    await sim.dispose();
  }
});

test("process.env names the board and version", async () => {
  const sim = await simWith("");
  try {
    assert.deepEqual(devJSON(sim, "[process.env.BOARD, process.env.VERSION]"), ["SIMULATOR", "2v29"]);
  } finally {
    await sim.dispose();
  }
});

test("timers return numbers; changeInterval and clearInterval take them", async () => {
  const sim = await simWith("");
  try {
    assert.deepEqual(devJSON(sim, "(function () { var a = setTimeout(function () {}, 1000), b = setInterval(function () {}, 1000); changeInterval(b, 50); clearInterval(b); clearTimeout(a); return [typeof a, typeof b]; })()"), ["number", "number"]);
  } finally {
    await sim.dispose();
  }
});

test("pins: D2 is GPIO2, the LED reads as lit at level 0, analogRead(A0) is in [0,1) and other pins give NaN", async () => {
  const sim = await simWith("");
  try {
    sim.evaluate("digitalWrite(D2, 0)");
    assert.deepEqual(sim.led(), { pin: "D2", level: 0, on: true });
    assert.deepEqual(devJSON(sim, '[Pin("D2") === D2, digitalRead(D2), isNaN(analogRead(D5))]'), [true, 0, true]);
    const v = devJSON(sim, "analogRead(A0)") as number;
    assert.ok(v >= 0 && v < 1 && Number.isInteger(v * 1024), String(v));
  } finally {
    await sim.dispose();
  }
});

test("an exception in a callback is printed as Uncaught and the device goes on", async () => {
  const sim = await simWith('setTimeout(function () { throw new Error("in a timer"); }, 10); setTimeout(function () { print("still alive"); }, 50);');
  try {
    await sim.waitForConsole("still alive");
    assert.match(sim.consoleOutput(), /Uncaught Error: in a timer/);
  } finally {
    await sim.dispose();
  }
});

test("String indexOf and includes match where the string's end only begins the search, as Espruino 2v29's do", async () => {
  const sim = await simWith("");
  try {
    // The same figures as Espruino 2v29.277 on Linux gave for these expressions.
    const got = devJSON(sim, `["abc ".indexOf(" zz"), '"x"'.indexOf('"abc"'), "abc".indexOf("bc"), "abcabc".indexOf("ca"), "abc".indexOf("cd", 1), "abc".indexOf("zz"), " HELP ".includes(" FROB ")]`);
    assert.deepEqual(got, [3, -1, 1, 2, 2, -1, true]);
  } finally {
    await sim.dispose();
  }
});

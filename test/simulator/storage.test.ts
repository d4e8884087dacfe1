/*
 * The simulator's `Storage`: the board's capacity, names of at most 28 characters, pre-sized
 * writes at an offset, writeJSON's unquoted keys read back by readJSON, trash until compact(),
 * and files that survive a restart of the simulator.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { devJSON, simWith } from "./helpers.ts";

test("getStats reports the board's capacity (192 KB on sim) and a file costs a 32-byte header plus padded data", async () => {
  const sim = await simWith("");
  try {
    const before = devJSON(sim, 'require("Storage").getStats()') as { totalBytes: number; freeBytes: number };
    assert.equal(before.totalBytes, 196608);
    sim.evaluate('require("Storage").write("f", "abcde")');
    assert.equal(devJSON(sim, 'require("Storage").getFree()'), before.freeBytes - (32 + 8));
  } finally {
    await sim.dispose();
  }
});

test("a write that does not fit in the capacity fails", async () => {
  const sim = await simWith("");
  try {
    assert.equal(sim.evaluate('require("Storage").write("big", "x", 0, 196608)'), false);
    assert.equal(sim.evaluate('require("Storage").write("ok", "x", 0, 1000)'), true);
  } finally {
    await sim.dispose();
  }
});

test("names over 28 characters throw; 28 are fine", async () => {
  const sim = await simWith("");
  try {
    assert.equal(sim.evaluate(`require("Storage").write("${"n".repeat(28)}", "ok")`), true);
    const r = sim.evaluate(`(function () { try { require("Storage").write("${"n".repeat(29)}", "no"); return "no throw"; } catch (e) { return "threw"; } })()`);
    assert.equal(r, "threw");
  } finally {
    await sim.dispose();
  }
});

test("write(name, data, 0, size) pre-sizes the file with 0xFF and later writes fill it at their offset", async () => {
  const sim = await simWith("");
  try {
    sim.evaluate('require("Storage").write("a", "hello", 0, 10)');
    assert.equal(sim.evaluate('require("Storage").read("a")'), "hello\xff\xff\xff\xff\xff");
    sim.evaluate('require("Storage").write("a", "world", 5)');
    assert.equal(sim.evaluate('require("Storage").read("a")'), "helloworld");
  } finally {
    await sim.dispose();
  }
});

test("writeJSON writes unquoted keys and readJSON reads them back", async () => {
  const sim = await simWith("");
  try {
    sim.evaluate('require("Storage").writeJSON("j", {a: 1, "b c": "x", l: [1, 2]})');
    assert.equal(sim.evaluate('require("Storage").read("j")'), '{a:1,"b c":"x",l:[1,2]}');
    assert.deepEqual(devJSON(sim, 'require("Storage").readJSON("j")'), { a: 1, "b c": "x", l: [1, 2] });
  } finally {
    await sim.dispose();
  }
});

test("erased and rewritten files leave trash until compact()", async () => {
  const sim = await simWith("");
  try {
    sim.evaluate('require("Storage").write("t", "12345678"); require("Storage").write("t", "abcdefgh"); require("Storage").erase("t")');
    assert.deepEqual(devJSON(sim, '[require("Storage").getStats().trashCount, require("Storage").list().indexOf("t")]'), [2, -1]);
    sim.evaluate('require("Storage").compact()');
    assert.equal(devJSON(sim, 'require("Storage").getStats().trashBytes'), 0);
  } finally {
    await sim.dispose();
  }
});

test("Storage files survive a restart of the simulator", async () => {
  const sim = await simWith("");
  const dir = sim.dir;
  sim.evaluate('require("Storage").write("keep", "still here\\x00\\xff")');
  await sim.stop();
  const again = await simWith("", { stateDir: dir });
  try {
    assert.equal(again.evaluate('require("Storage").read("keep")'), "still here\x00\xff");
    assert.deepEqual(devJSON(again, 'require("Storage").list(/keep/)'), ["keep"]);
  } finally {
    await again.dispose();
  }
});

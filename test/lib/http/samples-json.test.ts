import { test } from "node:test";
import assert from "node:assert/strict";
import { samplesNext, samplesStart, type SamplesStream } from "../../../lib/http/samples-json.ts";
import { createRing, ringPush, type Ring } from "../../../lib/sample-ring.ts";

/** A ring of 60 holding samples `from`..`to`: ms = seq * 1000, a0 = seq * 37 % 1024, free = 900 + seq, led = seq % 2. */
function ring(to: number): Ring {
  const r = createRing(60);
  for (let seq = 1; seq <= to; seq++) push(r);
  return r;
}

function push(r: Ring): void {
  const seq = r.seq_ + 1;
  ringPush(r, seq * 1000, (seq * 37) % 1024, 900 + seq, seq % 2);
}

function start(r: Ring): { r: Ring; st: SamplesStream; length: number } {
  const st: SamplesStream = {};
  return { r, st, length: samplesStart(r, st) };
}

function drain(w: ReturnType<typeof start>, max: number, between?: () => void): string {
  let out = "";
  for (let p = samplesNext(w.r, w.st, max); p !== null; p = samplesNext(w.r, w.st, max)) {
    out += p;
    between?.();
  }
  return out;
}

test("the answer is the samples JSON of docs/WEB.md, with the announced length", () => {
  const w = start(ring(75));
  const text = drain(w, 268);
  assert.equal(text.length, w.length);
  const j = JSON.parse(text);
  assert.deepEqual(j.fields, ["seq", "ms", "a0", "free", "led"]);
  assert.equal(j.samples.length, 60);
  assert.deepEqual(j.samples[0], [16, 16000, (16 * 37) % 1024, 916, 0]);
  assert.deepEqual(j.samples[59], [75, 75000, (75 * 37) % 1024, 975, 1]);
});

test("the answer is given in pieces near the asked size", () => {
  const w = start(ring(60));
  const pieces: string[] = [];
  for (let p = samplesNext(w.r, w.st, 100); p !== null; p = samplesNext(w.r, w.st, 100)) pieces.push(p);
  assert.ok(pieces.length > 10);
  for (const p of pieces) assert.ok(p.length < 100 + 40, `piece of ${p.length}`);
});

test("an empty ring gives an empty list", () => {
  const w = start(createRing(60));
  assert.deepEqual(JSON.parse(drain(w, 268)), { fields: ["seq", "ms", "a0", "free", "led"], samples: [] });
});

test("samples taken and dropped while sending keep the length true and the JSON valid", () => {
  const w = start(ring(60));
  const text = drain(w, 60, () => {
    // The ring drops its oldest samples faster than the answer is sent.
    for (let k = 0; k < 5; k++) push(w.r);
  });
  assert.equal(text.length, w.length);
  const j = JSON.parse(text);
  assert.ok(j.samples.length < 60 && j.samples.length > 0);
  assert.ok(j.samples.every((s: number[]) => s[0] <= 60));
  // Given in order, each once.
  for (let i = 1; i < j.samples.length; i++) assert.ok(j.samples[i][0] > j.samples[i - 1][0]);
});

test("when every sample is dropped before the first piece, the answer is an empty list padded to its length", () => {
  const w = start(ring(60));
  for (let k = 0; k < 60; k++) push(w.r);
  const text = drain(w, 268);
  assert.equal(text.length, w.length);
  assert.deepEqual(JSON.parse(text).samples, []);
});

test("the announced length bounds each row from the newest sample: at most a few bytes of padding a row", () => {
  const w = start(ring(75));
  const text = drain(w, 268);
  assert.equal(text.length, w.length);
  const exact = JSON.stringify(JSON.parse(text)).length;
  const pad = text.length - exact;
  assert.ok(text.endsWith(" ".repeat(pad) + "]}"), "the padding is spaces before the closing ]}");
  // Here free is 3 digits (2 below its bound) and a0 1 to 4 (0 to 3 below).
  assert.ok(pad >= 60 * 2 && pad <= 60 * 5, `${pad} bytes of padding for 60 rows`);
  // Rows at their longest fill the bound exactly.
  const r = createRing(60);
  for (let k = 0; k < 3; k++) ringPush(r, 99999, 1023, 65535, 1);
  const full = start(r);
  const t = drain(full, 268);
  assert.equal(t, '{"fields":["seq","ms","a0","free","led"],"samples":[[1,99999,1023,65535,1],[2,99999,1023,65535,1],[3,99999,1023,65535,1]]}');
  assert.equal(full.length, t.length);
});

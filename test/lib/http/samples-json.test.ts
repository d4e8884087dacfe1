import { test } from "node:test";
import assert from "node:assert/strict";
import { sampleCsv, samplesNext, samplesStart, type SampleRow, type SamplesStream } from "../../../lib/http/samples-json.ts";

function history(n: number, from = 1): SampleRow[] {
  const out: SampleRow[] = [];
  for (let i = 0; i < n; i++) out.push({ seq: from + i, ms: (from + i) * 1000, a0: (i * 37) % 1024, free: 900 + i, led: i % 2 });
  return out;
}

function source(rows: SampleRow[]) {
  return { forEach: (cb: (s: SampleRow) => void) => rows.forEach(cb) };
}

function start(src: ReturnType<typeof source>): { src: ReturnType<typeof source>; st: SamplesStream; length: number } {
  const st: SamplesStream = {};
  return { src, st, length: samplesStart(src, st) };
}

function drain(w: ReturnType<typeof start>, max: number, between?: () => void): string {
  let out = "";
  for (let p = samplesNext(w.src, w.st, max); p !== null; p = samplesNext(w.src, w.st, max)) {
    out += p;
    between?.();
  }
  return out;
}

test("the answer is the samples JSON of SPEC.md, with the announced length", () => {
  const rows = history(60);
  const w = start(source(rows));
  const text = drain(w, 268);
  assert.equal(text.length, w.length);
  const j = JSON.parse(text);
  assert.deepEqual(j.fields, ["seq", "ms", "a0", "free", "led"]);
  assert.equal(j.samples.length, 60);
  assert.deepEqual(j.samples[59], [60, 60000, (59 * 37) % 1024, 959, 1]);
});

test("the answer is given in pieces near the asked size", () => {
  const w = start(source(history(60)));
  const pieces: string[] = [];
  for (let p = samplesNext(w.src, w.st, 100); p !== null; p = samplesNext(w.src, w.st, 100)) pieces.push(p);
  assert.ok(pieces.length > 10);
  for (const p of pieces) assert.ok(p.length < 100 + 40, `piece of ${p.length}`);
});

test("an empty history gives an empty list", () => {
  const w = start(source([]));
  assert.deepEqual(JSON.parse(drain(w, 268)), { fields: ["seq", "ms", "a0", "free", "led"], samples: [] });
});

test("samples taken and dropped while sending keep the length true and the JSON valid", () => {
  const rows = history(60);
  const w = start(source(rows));
  let next = 61;
  const text = drain(w, 60, () => {
    // The history drops its oldest samples faster than the answer is sent.
    for (let k = 0; k < 5; k++) {
      rows.shift();
      rows.push(history(1, next++)[0]);
    }
  });
  assert.equal(text.length, w.length);
  const j = JSON.parse(text);
  assert.ok(j.samples.length < 60);
  assert.ok(j.samples.every((s: number[]) => s[0] <= 60));
});

test("a sample's CSV line is seq,ms,a0,free,led", () => {
  assert.equal(sampleCsv({ seq: 3, ms: 3000, a0: 512, free: 1200, led: 1 }), "3,3000,512,1200,1");
});

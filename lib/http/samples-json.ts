/*
 * /api/samples as a stream: `{"fields":["seq","ms","a0","free","led"],"samples":[[...],...]}`,
 * given a few samples at a time, never as one string. The state of an answer is four numbers on
 * any object (the web server keeps them on its connection), so no writer object or closure is held
 * between pieces. The length is fixed by samplesStart (the samples held then, each row at its
 * longest): samples taken later are not sent, and what the rows do not fill, or samples dropped
 * from the ring while the answer is being sent, are spaces before the closing `]}`, so the
 * Content-Length stays true and the JSON valid.
 *
 * The samples are read from the ring by number, one loop pass each (on Espruino a callback per
 * sample, or an object per sample, cost ten times as much: 123 M instructions per answer).
 */
import { ringJson, ringSize, type Ring } from "../sample-ring.ts";

/** A samples answer being given. */
export interface SamplesStream {
  /** The seq of the next sample to give. */
  sampleNext_?: number;
  /** The seq of the last sample to give. */
  sampleEnd_?: number;
  /** Bytes given. */
  offset_?: number;
  /** The byte length of the whole answer. */
  length_?: number;
}

export const SAMPLES_HEAD = '{"fields":["seq","ms","a0","free","led"],"samples":[';
export const SAMPLES_TAIL = "]}";
const HEAD_BYTES = SAMPLES_HEAD.length;

/**
 * Starts answer `st` with the samples ring `r` holds now; gives its byte length (also `st.length_`).
 * The length is a bound, not a count: no row is longer than `[seq,ms,a0,free,led]` with the
 * newest sample's seq and uptime (the largest), a0 of 4 digits (at most 1023), free of 5 (at
 * most 65535) and led of 1, and what the rows leave is padding. Counting formatted every row
 * twice (on espruino-1600-64 the answer went from 51.9 M instructions to 35.7 M without it); the
 * padding is a few bytes a row.
 */
export function samplesStart(r: Ring, st: SamplesStream): number {
  const held = ringSize(r);
  const d = r.rd_;
  // The newest sample's uptime: the ring's word pair before the next one to be written.
  const row = held > 0 ? ("" + r.seq_).length + ("" + d[((r.seq_ - 1) % (d.length / 2)) * 2]).length + 16 : 0;
  st.sampleNext_ = r.seq_ - held + 1;
  st.sampleEnd_ = r.seq_;
  st.offset_ = 0;
  st.length_ = HEAD_BYTES + held * row + (held > 0 ? held - 1 : 0) + SAMPLES_TAIL.length;
  return st.length_;
}

/** The next piece of answer `st` (about `max` bytes, at least one sample), or null when all is given. */
export function samplesNext(r: Ring, st: SamplesStream, max: number): string | null {
  const by = st.length_ as number;
  const given = st.offset_ as number;
  if (given >= by) return null;
  // `at` counts the answer's bytes, given and in `out`: on Espruino a string's length is a lookup
  // that costs more than the arithmetic.
  let out = given === 0 ? SAMPLES_HEAD : "";
  let at = given === 0 ? HEAD_BYTES : given;
  const stop = given + max;
  const room = by - SAMPLES_TAIL.length;
  const end = st.sampleEnd_ as number;
  let seq = st.sampleNext_ as number;
  for (; seq <= end && at < stop; seq++) {
    // A sample the ring has dropped since the start is skipped: its place becomes padding.
    const row = ringJson(r, seq);
    const piece = at > HEAD_BYTES ? "," + row : row;
    const n = piece.length;
    if (row !== "" && at + n <= room) {
      out += piece;
      at += n;
    }
  }
  st.sampleNext_ = seq;
  if (seq > end) {
    // The padding, at most a piece of it at a time, then the tail.
    const pad = room - at;
    const take = pad <= stop - at ? pad : stop - at;
    if (take > 0) {
      out += new Array(take + 1).join(" ");
      at += take;
    }
    if (take >= pad) {
      out += SAMPLES_TAIL;
      at += SAMPLES_TAIL.length;
    }
  }
  st.offset_ = at;
  return out;
}

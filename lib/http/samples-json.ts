/*
 * /api/samples as a stream: `{"fields":["seq","ms","a0","free","led"],"samples":[[...],...]}`,
 * given a few samples at a time, never as one string. The state of an answer is four numbers on
 * any object (the web server keeps them on its connection), so no writer object or closure is held
 * between pieces. The length is fixed by samplesStart (the samples held then): samples taken later
 * are not sent, and samples dropped from the history while the answer is being sent leave their
 * place as spaces before the closing `]}`, so the Content-Length stays true and the JSON valid.
 */

export interface SampleRow {
  seq: number;
  ms: number;
  a0: number;
  free: number;
  led: number;
}

export interface SampleSource {
  forEach(cb: (s: SampleRow) => void): void;
}

/** A samples answer being given. */
export interface SamplesStream {
  /** The seq of the last sample given, 0 before the first. */
  sampleLast_?: number;
  /** The seq of the last sample to give. */
  sampleEnd_?: number;
  /** Bytes given. */
  offset_?: number;
  /** The byte length of the whole answer. */
  length_?: number;
}

export const SAMPLES_HEAD = '{"fields":["seq","ms","a0","free","led"],"samples":[';
export const SAMPLES_TAIL = "]}";

/** One sample as a JSON array: `[seq,ms,a0,free,led]`. */
export function sampleJson(s: SampleRow): string {
  return "[" + s.seq + "," + s.ms + "," + s.a0 + "," + s.free + "," + s.led + "]";
}

/** One sample as its CSV line (SPEC.md), without a line end: `seq,ms,a0,free,led`. */
export function sampleCsv(s: SampleRow): string {
  return s.seq + "," + s.ms + "," + s.a0 + "," + s.free + "," + s.led;
}

/** Starts answer `st` with the samples `src` holds now; gives its byte length (also `st.length_`). */
export function samplesStart(src: SampleSource, st: SamplesStream): number {
  let n = 0;
  let rows = 0;
  let last = 0;
  src.forEach(function (s) {
    n += sampleJson(s).length;
    rows++;
    last = s.seq;
  });
  st.sampleLast_ = 0;
  st.sampleEnd_ = last;
  st.offset_ = 0;
  st.length_ = SAMPLES_HEAD.length + n + (rows > 0 ? rows - 1 : 0) + SAMPLES_TAIL.length;
  return st.length_;
}

/** The next piece of answer `st` (about `max` bytes, at least one sample), or null when all is given. */
export function samplesNext(src: SampleSource, st: SamplesStream, max: number): string | null {
  const by = st.length_ as number;
  const given = st.offset_ as number;
  if (given >= by) return null;
  let out = given === 0 ? SAMPLES_HEAD : "";
  const room = by - SAMPLES_TAIL.length;
  // more: samples are left for the next piece; rows: samples given in this piece.
  let more = false;
  let rows = 0;
  if ((st.sampleLast_ as number) < (st.sampleEnd_ as number)) {
    src.forEach(function (s) {
      if (more || s.seq <= (st.sampleLast_ as number) || s.seq > (st.sampleEnd_ as number)) return;
      if (out.length >= max && rows > 0) {
        more = true;
        return;
      }
      const row = ((st.sampleLast_ as number) > 0 || rows > 0 ? "," : "") + sampleJson(s);
      if (given + out.length + row.length > room) return;
      out += row;
      rows++;
      st.sampleLast_ = s.seq;
    });
  }
  if (!more) {
    let pad = room - given - out.length;
    while (pad-- > 0) out += " ";
    out += SAMPLES_TAIL;
  }
  st.offset_ = given + out.length;
  return out;
}

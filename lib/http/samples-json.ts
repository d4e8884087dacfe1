/*
 * /api/samples as a stream: `{"fields":["seq","ms","a0","free","led"],"samples":[[...],...]}`,
 * written a few samples at a time, never as one string. The length is fixed when the writer is
 * made (the samples held then): samples taken later are not sent, and samples dropped from the
 * history while the answer is being sent leave their place as spaces before the closing `]}`,
 * so the Content-Length stays true and the JSON stays valid.
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

export class SamplesJson {
  /** The byte length of the whole answer. */
  length: number;
  private src_: SampleSource;
  private last_: number;
  private lastSeq_: number;
  private sent_: number;
  private started_: boolean;

  constructor(src: SampleSource) {
    this.src_ = src;
    let n = 0;
    let rows = 0;
    let lastSeq = 0;
    src.forEach((s) => {
      n += sampleJson(s).length;
      rows++;
      lastSeq = s.seq;
    });
    this.length = SAMPLES_HEAD.length + n + (rows > 0 ? rows - 1 : 0) + SAMPLES_TAIL.length;
    this.lastSeq_ = lastSeq;
    this.last_ = 0;
    this.sent_ = 0;
    this.started_ = false;
  }

  /** The next piece (about `max` bytes, at least one sample), or null when all is given. */
  next(max: number): string | null {
    if (this.sent_ >= this.length) return null;
    let out = "";
    if (!this.started_) {
      this.started_ = true;
      out = SAMPLES_HEAD;
    }
    const room = this.length - SAMPLES_TAIL.length;
    let done = this.last_ >= this.lastSeq_;
    if (!done) {
      let more = false;
      // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
      const self = this;
      this.src_.forEach(function (s) {
        if (s.seq <= self.last_ || s.seq > self.lastSeq_) return;
        if (more || (out.length >= max && out !== SAMPLES_HEAD)) {
          more = true;
          return;
        }
        const row = (self.sent_ + out.length > SAMPLES_HEAD.length ? "," : "") + sampleJson(s);
        if (self.sent_ + out.length + row.length > room) return;
        out += row;
        self.last_ = s.seq;
      });
      done = !more;
    }
    if (done) {
      let pad = room - this.sent_ - out.length;
      while (pad-- > 0) out += " ";
      out += SAMPLES_TAIL;
    }
    this.sent_ += out.length;
    return out;
  }
}

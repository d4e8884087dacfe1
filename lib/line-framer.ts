/*
 * Line framer: bytes in, lines out, incremental over any split of the input.
 *
 * A line ends at `\n`; one `\r` just before it is dropped. A line longer than `max` bytes
 * (128 for the line protocol) is reported once as E2BIG and the rest of it, up to its `\n`,
 * is discarded; the next line is framed normally. Holds at most one partial line of at most
 * max+1 bytes, whatever the input. Empty lines are passed on (the caller ignores them).
 * frameLines() works on any object with the two state fields (the line server keeps them on its
 * connection object, so framing costs no object or methods of its own); LineFramer wraps it.
 */

export type LineSink = (err: string | null, line: string) => void;

/** A framer's state: the partial line held, and whether the rest of an over-long line is being skipped. */
export interface FrameState {
  b_: string;
  k_: boolean;
}

/** Feeds a chunk; calls `sink(null, line)` for each line and `sink("E2BIG", "")` once per over-long line. */
export function frameLines(st: FrameState, max: number, chunk: string, sink: LineSink): void {
  let start = 0;
  const n = chunk.length;
  while (start < n) {
    const nl = chunk.indexOf("\n", start);
    const end = nl < 0 ? n : nl;
    if (st.k_) {
      if (nl >= 0) st.k_ = false;
    } else if (st.b_.length + (end - start) > max + 1) {
      // Too long even if its last byte were a `\r`: report once, drop what is held.
      st.b_ = "";
      st.k_ = nl < 0;
      sink("E2BIG", "");
    } else if (nl >= 0) {
      let line = st.b_ + chunk.substring(start, end);
      st.b_ = "";
      if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.substring(0, line.length - 1);
      if (line.length > max) sink("E2BIG", "");
      else sink(null, line);
    } else {
      st.b_ += chunk.substring(start, end);
      if (st.b_.length > max && st.b_.charCodeAt(max) !== 13) {
        st.b_ = "";
        st.k_ = true;
        sink("E2BIG", "");
      }
    }
    if (nl < 0) break;
    start = nl + 1;
  }
}

export class LineFramer implements FrameState {
  b_: string;
  k_: boolean;
  private max_: number;

  constructor(max: number) {
    this.max_ = max;
    this.b_ = "";
    this.k_ = false;
  }

  /** Bytes held for the current partial line. */
  held(): number {
    return this.b_.length;
  }

  /** Feeds a chunk; calls `sink(null, line)` for each line and `sink("E2BIG", "")` once per over-long line. */
  push(chunk: string, sink: LineSink): void {
    frameLines(this, this.max_, chunk, sink);
  }
}

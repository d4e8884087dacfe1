/*
 * Line framer: bytes in, lines out, incremental over any split of the input.
 *
 * A line ends at `\n`; one `\r` just before it is dropped. A line longer than `max` bytes
 * (128 for the line protocol) is reported once as E2BIG and the rest of it, up to its `\n`,
 * is discarded; the next line is framed normally. Holds at most one partial line of at most
 * max+1 bytes, whatever the input. Empty lines are passed on (the caller ignores them).
 */

export type LineSink = (err: string | null, line: string) => void;

export class LineFramer {
  private max_: number;
  private buf_: string;
  private skip_: boolean;

  constructor(max: number) {
    this.max_ = max;
    this.buf_ = "";
    this.skip_ = false;
  }

  /** Bytes held for the current partial line. */
  held(): number {
    return this.buf_.length;
  }

  /** Feeds a chunk; calls `sink(null, line)` for each line and `sink("E2BIG", "")` once per over-long line. */
  push(chunk: string, sink: LineSink): void {
    const max = this.max_;
    let start = 0;
    const n = chunk.length;
    while (start < n) {
      const nl = chunk.indexOf("\n", start);
      const end = nl < 0 ? n : nl;
      if (this.skip_) {
        if (nl >= 0) this.skip_ = false;
      } else if (this.buf_.length + (end - start) > max + 1) {
        // Too long even if its last byte were a `\r`: report once, drop what is held.
        this.buf_ = "";
        this.skip_ = nl < 0;
        sink("E2BIG", "");
      } else if (nl >= 0) {
        let line = this.buf_ + chunk.substring(start, end);
        this.buf_ = "";
        if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.substring(0, line.length - 1);
        if (line.length > max) sink("E2BIG", "");
        else sink(null, line);
      } else {
        this.buf_ += chunk.substring(start, end);
        if (this.buf_.length > max && this.buf_.charCodeAt(max) !== 13) {
          this.buf_ = "";
          this.skip_ = true;
          sink("E2BIG", "");
        }
      }
      if (nl < 0) break;
      start = nl + 1;
    }
  }
}

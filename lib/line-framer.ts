/*
 * Line framer: bytes in, lines out, incremental over any split of the input.
 *
 * A line ends at `\n`; one `\r` just before it is dropped. A line longer than `max` bytes
 * (128 for the line protocol) is reported once as E2BIG and the rest of it, up to its `\n`,
 * is discarded; the next line is framed normally. Holds at most one partial line of at most
 * max+1 bytes, whatever the input. Empty lines are passed on (the caller ignores them).
 * frameLines() works on any object with the one state field (the line service keeps it on its
 * client's socket, so framing costs no object or methods of its own). The field is always
 * present, "" while nothing is held: on Espruino, reading a field an object lacks walks its
 * prototypes, and the line service tests this one on every chunk.
 */

/** Gets each line (err null) or each over-long line's error (line ""), with the framer's state `st`. */
export type LineSink<T extends FrameState> = (st: T, err: string | null, line: string) => void;

/** A framer's state: the start of an unfinished line ("" none), or null while the rest of an over-long line is skipped. */
export interface FrameState {
  held_: string | null;
}

/**
 * Feeds a chunk; calls `sink(st, null, line)` for each line and `sink(st, "E2BIG", "")` once per
 * over-long line. The state is handed to the sink so that the caller needs no closure per chunk.
 */
export function frameLines<T extends FrameState>(st: T, max: number, chunk: string, sink: LineSink<T>): void {
  let start = 0;
  const n = chunk.length;
  while (start < n) {
    const nl = chunk.indexOf("\n", start);
    const end = nl < 0 ? n : nl;
    const held = st.held_;
    if (held === null) {
      if (nl >= 0) st.held_ = "";
    } else if (held.length + (end - start) > max + 1) {
      // Too long even if its last byte were a `\r`: report once, drop what is held.
      st.held_ = nl < 0 ? null : "";
      sink(st, "E2BIG", "");
    } else if (nl >= 0) {
      let line = held + chunk.substring(start, end);
      st.held_ = "";
      if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.substring(0, line.length - 1);
      if (line.length > max) sink(st, "E2BIG", "");
      else sink(st, null, line);
    } else {
      const b = held + chunk.substring(start, end);
      if (b.length > max && b.charCodeAt(max) !== 13) {
        st.held_ = null;
        sink(st, "E2BIG", "");
      } else st.held_ = b;
    }
    if (nl < 0) break;
    start = nl + 1;
  }
}

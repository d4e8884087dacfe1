/* The line protocol's limits (docs/PROTOCOL.md, "Line protocol"), read by lazy/line.ts and its tests. */

/** Bytes in a line, its `\r\n` not counted: a longer one is answered E2BIG. */
export const LINE_MAX = 128;
/** Reply bytes a client may leave unread before it is closed. */
export const MAX_UNSENT = 1024;
/** Unsent bytes past which a stream sample is dropped. */
export const STREAM_HOLD = 256;
/** Seconds a client that is not streaming may stay quiet. */
export const LINE_IDLE_S = 300;

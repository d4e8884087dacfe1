/*
 * A streaming template renderer: a template text with `{{name}}` slots (names of 1..24 letters,
 * digits or `_`), read piece by piece through `read(offset, length)` (Storage, for the device)
 * and given out piece by piece: a run of literal text (at most `chunk` bytes) or one slot's value.
 * The page is never built as one string: the renderer holds at most one chunk plus a slot name.
 * `{{` that does not open a valid slot is literal text. templateLength() renders once and counts,
 * so that a response can carry a Content-Length (the values must not change between the passes:
 * take them once, then render twice).
 */

export const MAX_SLOT_NAME = 24;

export type ReadFn = (offset: number, length: number) => string | undefined;
export type ValueFn = (name: string) => string;

function isSlotName(s: string): boolean {
  if (s.length === 0 || s.length > MAX_SLOT_NAME) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return false;
  }
  return true;
}

export class TemplateRenderer {
  private read_: ReadFn;
  private value_: ValueFn;
  private chunk_: number;
  private buf_: string;
  private offset_: number;
  private eof_: boolean;

  constructor(read: ReadFn, value: ValueFn, chunk: number) {
    this.read_ = read;
    this.value_ = value;
    this.chunk_ = chunk;
    this.buf_ = "";
    this.offset_ = 0;
    this.eof_ = false;
  }

  /** Reads more of the template when the buffer is short; false at the end of the template. */
  private fill_(): boolean {
    if (this.eof_) return false;
    const s = this.read_(this.offset_, this.chunk_);
    if (s === undefined || s.length === 0) {
      this.eof_ = true;
      return false;
    }
    this.offset_ += s.length;
    this.buf_ += s;
    return true;
  }

  /** The next piece of the rendered page, or null at its end. */
  next(): string | null {
    if (this.buf_.length < MAX_SLOT_NAME + 4) this.fill_();
    const b = this.buf_;
    if (b.length === 0) return null;
    const open = b.indexOf("{{");
    if (open === 0) {
      const close = b.indexOf("}}");
      if (close < 0 && b.length < MAX_SLOT_NAME + 4 && this.fill_()) return this.next();
      if (close > 0 && isSlotName(b.substring(2, close))) {
        this.buf_ = b.substring(close + 2);
        return this.value_(b.substring(2, close));
      }
      this.buf_ = b.substring(1);
      return "{";
    }
    // Literal text up to the next slot; a trailing `{` waits, it may open one.
    let end = open > 0 ? open : b.length;
    if (open < 0 && !this.eof_ && b.charAt(b.length - 1) === "{") end--;
    if (end > this.chunk_) end = this.chunk_;
    if (end === 0) {
      if (this.fill_()) return this.next();
      end = b.length;
    }
    this.buf_ = b.substring(end);
    return b.substring(0, end);
  }
}

/** The length in bytes of the rendered page. */
export function templateLength(read: ReadFn, value: ValueFn, chunk: number): number {
  const r = new TemplateRenderer(read, value, chunk);
  let n = 0;
  for (let p = r.next(); p !== null; p = r.next()) n += p.length;
  return n;
}

/* A small line-protocol client over a real TCP socket for end-to-end tests: collects lines, waits for one. */
import { connect, type Socket } from "node:net";

export class LineConn {
  lines: string[] = [];
  closed = false;
  private buf = "";
  private waiters: Array<() => void> = [];
  constructor(public sock: Socket) {
    sock.setEncoding("latin1");
    sock.on("data", (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf("\n")) >= 0) {
        this.lines.push(this.buf.substring(0, i).replace(/\r$/, ""));
        this.buf = this.buf.substring(i + 1);
      }
      this.wake();
    });
    sock.on("close", () => {
      this.closed = true;
      this.wake();
    });
    sock.on("error", () => {});
  }
  static open(port: number): Promise<LineConn> {
    return new Promise((res, rej) => {
      const s = connect(port, "127.0.0.1", () => res(new LineConn(s)));
      s.once("error", rej);
    });
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  /** Waits until a line matching `re` arrives after index `from`; returns it. */
  async waitFor(re: RegExp, from = 0, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.lines.length; i++) if (re.test(this.lines[i])) return this.lines[i];
      if (this.closed) throw new Error(`closed before ${re}; got ${JSON.stringify(this.lines)}`);
      if (Date.now() > deadline) throw new Error(`timeout waiting for ${re}; got ${JSON.stringify(this.lines)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }
  /** Sends a command and waits for its OK/ERR line. */
  async ask(cmd: string): Promise<string> {
    const from = this.lines.length;
    this.sock.write(cmd + "\n");
    return this.waitFor(/^(OK|ERR)/, from);
  }
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error("not closed");
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  close(): void {
    this.sock.destroy();
  }
}

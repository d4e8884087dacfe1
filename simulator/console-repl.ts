/*
 * Espruino's console over TCP (the Telnet console: port 23 on the ESP8266, 2323 on `sim`), with
 * the REPL's line editor as jsinteractive.c has it, close enough for a person and for the
 * `espruino` CLI:
 *   - characters are echoed; a line runs on CR or LF when its brackets are balanced (a string,
 *     comment or template left open: see countBrackets), else the prompt becomes ':' and the line
 *     goes on; ESC LF (Alt-Enter) adds a newline without running;
 *   - the result is printed as `=value` (not when the line threw, or was empty), errors as
 *     `Uncaught Error: message`, then the prompt `>`;
 *   - DLE (0x10) at the start of a line turns echo off for that line (no echo, no `=value`);
 *     echo(0)/echo(1) turn it off and on for good;
 *   - Ctrl-C (0x03) clears the line (`ESC[D`s, `\r`, `ESC[J`, then the prompt); on an empty line
 *     it does nothing, as on an embedded board;
 *   - `ESC [ n d` (the CLI's line numbers) and cursor keys are swallowed; backspace/DEL delete;
 *     Ctrl-E on an empty line answers `Espruino <version> <board>`;
 *   - output that arrives while the prompt is shown first removes the input line (`\r ESC[J`),
 *     then gives it back (`>` and the line);
 *   - E.setPassword + E.lockConsole: the console asks `password>` until it is given.
 * One client at a time (a second is closed); the listener and the client each take a socket slot.
 * Not emulated: history (up/down), cursor movement inside a line, tab completion, the packet
 * (DLE SOH) file-transfer protocol, the debugger.
 */
import * as hostNet from "node:net";
import type { Chip } from "./chip.ts";
import type { Device } from "./device.ts";
import { replPrint } from "./inspect.ts";

/** Espruino's jsiCountBracketsInInput: >0 means wait for more input. */
export function countBrackets(src: string): number {
  let depth = 0;
  let i = 0;
  let lastSignificant = "";
  const tplStack: number[] = [];
  while (i < src.length) {
    const ch = src[i];
    const next = src[i + 1];
    if (ch === "/" && next === "/") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (ch === "/" && next === "*") {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) return 1000;
      i = end + 2;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== ch && src[j] !== "\n") j += src[j] === "\\" ? 2 : 1;
      if (j >= src.length || src[j] === "\n") return 0; // unfinished string: run it, so that it errors
      i = j + 1;
      lastSignificant = "a";
      continue;
    }
    if (ch === "`" || (ch === "}" && tplStack.length > 0 && tplStack[tplStack.length - 1] === depth)) {
      if (ch === "}") tplStack.pop();
      else depth += 0;
      let j = i + 1;
      let opened = false;
      while (j < src.length && src[j] !== "`") {
        if (src[j] === "\\") j += 2;
        else if (src[j] === "$" && src[j + 1] === "{") {
          tplStack.push(depth);
          j += 2;
          opened = true;
          break;
        } else j++;
      }
      if (!opened && j >= src.length) return 1000;
      i = opened ? j : j + 1;
      lastSignificant = "a";
      continue;
    }
    if (ch === "/" && (lastSignificant === "" || /[(,=:[!&|?{};+\-*%<>~^]/.test(lastSignificant))) {
      let j = i + 1;
      let inClass = false;
      while (j < src.length && src[j] !== "\n" && (inClass || src[j] !== "/")) {
        if (src[j] === "\\") j++;
        else if (src[j] === "[") inClass = true;
        else if (src[j] === "]") inClass = false;
        j++;
      }
      i = j + 1;
      lastSignificant = "a";
      continue;
    }
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") {
      depth--;
      if (depth < 0) return depth;
    }
    if (!/\s/.test(ch)) lastSignificant = /[A-Za-z0-9_$)\]]/.test(ch) ? "a" : ch;
    i++;
  }
  return depth;
}

const enum InputState {
  None,
  HadDLE,
  Had27,
  Had27_79,
  Had27_91,
  Had27_91_Number,
  HadR,
}

export class ConsoleServer {
  #dev: Device;
  #chip: Chip;
  #server: hostNet.Server | null = null;
  #client: hostNet.Socket | null = null;
  #devicePort: number;
  #hostPort = 0;
  #listenSlot = false;
  #clientSlot = false;
  #line = "";
  #state = InputState.None;
  #echo = true;
  #echoOffForLine = false;
  #removed = false;
  #returnQueued = false;
  #locked = false;
  #stopped = false;

  constructor(dev: Device, chip: Chip, devicePort: number) {
    this.#dev = dev;
    this.#chip = chip;
    this.#devicePort = devicePort;
  }

  get hostPort(): number {
    return this.#hostPort;
  }

  hasClient(): boolean {
    return this.#client !== null;
  }

  socketCount(): number {
    return 0; // the console's slots are counted in the budget; its memory is not the firmware's
  }

  /** TelnetServer.setOptions({mode}) and every boot (Espruino turns the console on at each init). */
  setMode(on: boolean): void {
    if (this.#stopped) return;
    if (on && !this.#server) void this.#listen();
    if (!on && this.#server) {
      this.#server.close();
      this.#server = null;
      if (this.#listenSlot) this.#chip.budget.give();
      this.#listenSlot = false;
    }
  }

  async start(): Promise<void> {
    await this.#listen();
  }

  #listen(): Promise<void> {
    if (!this.#chip.budget.take()) {
      this.#chip.log("console: no socket slot free for the console listener");
      return Promise.resolve();
    }
    this.#listenSlot = true;
    const srv = hostNet.createServer((sock) => this.#accept(sock));
    this.#server = srv;
    return new Promise((resolve) => {
      srv.on("error", (e) => {
        this.#chip.log(`console port ${this.#devicePort}: ${e.message}`);
        resolve();
      });
      this.#chip.ports.listenOn(this.#devicePort, (hostPort) =>
        srv.listen(hostPort, this.#chip.bindAddress, () => {
          this.#hostPort = (srv.address() as hostNet.AddressInfo).port;
          this.#chip.ports.record(this.#devicePort, this.#hostPort);
          resolve();
        }),
      );
    });
  }

  #accept(sock: hostNet.Socket): void {
    sock.on("error", () => {});
    if (this.#client || !this.#chip.budget.take()) {
      sock.destroy();
      return;
    }
    this.#clientSlot = true;
    sock.setNoDelay(true);
    this.#client = sock;
    this.#line = "";
    this.#state = InputState.None;
    this.#echoOffForLine = false;
    this.#locked = this.#locked || false;
    sock.on("data", (b: Buffer) => {
      const s = b.toString("latin1");
      for (let i = 0; i < s.length; i++) this.#char(s[i]);
    });
    sock.on("close", () => {
      if (this.#client === sock) {
        this.#client = null;
        if (this.#clientSlot) this.#chip.budget.give();
        this.#clientSlot = false;
      }
    });
    this.#removed = true;
    this.#returnLine();
  }

  /** Raw bytes to the client. */
  #send(s: string): void {
    if (this.#client && !this.#client.destroyed) this.#client.write(Buffer.from(s, "latin1"));
  }

  /** Console text (with "\n"), converted to "\r\n" as Espruino prints it. */
  #print(s: string): void {
    this.#send(s.replace(/\n/g, "\r\n"));
  }

  #echoOn(): boolean {
    return this.#echo && !this.#echoOffForLine;
  }

  #showInputLine(): boolean {
    return this.#echoOn() && !this.#removed && !this.#locked;
  }

  /** Device output (already "\r\n"): removes the input line first, gives it back afterwards. */
  output(crlf: string): void {
    this.#removeLine();
    this.#send(crlf);
    this.#queueReturn();
  }

  #removeLine(): void {
    if (this.#removed) return;
    this.#removed = true;
    if (this.#echoOn()) {
      if (this.#line.indexOf("\n") < 0) this.#send("\x1b[D".repeat(this.#line.length));
      this.#send("\r\x1b[J");
    }
  }

  #queueReturn(): void {
    if (this.#returnQueued) return;
    this.#returnQueued = true;
    setImmediate(() => {
      this.#returnQueued = false;
      this.#returnLine();
    });
  }

  #returnLine(): void {
    if (!this.#removed) return;
    this.#removed = false;
    if (this.#echoOn()) {
      this.#send(this.#locked ? "password>" : ">");
      if (!this.#locked) this.#print(this.#line.replace(/\n/g, "\n:"));
    }
  }

  setEcho(on: boolean): void {
    this.#echo = on;
  }

  lock(): void {
    this.#locked = true;
  }

  #char(ch: string): void {
    const c = ch.charCodeAt(0);
    if (this.#locked) {
      if (ch === "\r" || ch === "\n") {
        const ok = this.#line === this.#dev.consolePassword;
        this.#line = "";
        if (ok) {
          this.#locked = false;
          this.#print("\n  Logged in.\n");
          this.#removed = true;
          this.#returnLine();
        } else this.#print("\n  Invalid password\npassword>");
      } else if (this.#line.length < 20 && c >= 32) this.#line += ch;
      return;
    }
    switch (this.#state) {
      case InputState.Had27:
        this.#state = c === 79 ? InputState.Had27_79 : c === 91 ? InputState.Had27_91 : InputState.None;
        if (c === 10) this.#newLine(false);
        return;
      case InputState.Had27_79:
        this.#state = InputState.None;
        return;
      case InputState.Had27_91:
        this.#state = c >= 48 && c <= 57 ? InputState.Had27_91_Number : InputState.None;
        return;
      case InputState.Had27_91_Number:
        if (!(c >= 48 && c <= 57)) this.#state = InputState.None;
        return;
      default:
        break;
    }
    if (c === 0) {
      this.#state = InputState.None;
    } else if (c === 3) {
      this.#ctrlC();
    } else if (c === 5) {
      if (this.#line === "") this.#dev.consoleWrite(`Espruino ${this.#dev.board.espruino.version} ${this.#dev.board.espruino.build}\n`);
    } else if (c === 16) {
      if (this.#line === "") this.#echoOffForLine = true;
      this.#state = InputState.HadDLE;
    } else if (c === 27) {
      this.#state = InputState.Had27;
    } else {
      const hadR = this.#state === InputState.HadR;
      this.#state = InputState.None;
      if (c === 8 || c === 0x7f) {
        if (this.#line.length > 0 && this.#line[this.#line.length - 1] !== "\n") {
          this.#line = this.#line.slice(0, -1);
          if (this.#showInputLine()) this.#send("\x08 \x08");
        }
      } else if (ch === "\n" && hadR) {
        // CR LF is one newline here (Espruino would run an empty line too)
      } else if (ch === "\r" || ch === "\n") {
        if (ch === "\r") this.#state = InputState.HadR;
        this.#newLine(true);
      } else if (c >= 32 || ch === "\t") {
        this.#returnLine();
        const add = ch === "\t" ? "    " : ch;
        this.#line += add;
        if (this.#showInputLine()) this.#send(add);
      }
    }
  }

  #ctrlC(): void {
    this.#state = InputState.None;
    if (this.#line === "") return;
    this.#removeLine();
    this.#line = "";
    this.#echoOffForLine = false;
    this.#queueReturn();
  }

  #newLine(execute: boolean): void {
    this.#returnLine();
    if (execute && countBrackets(this.#line) <= 0) {
      if (this.#showInputLine()) this.#print("\n");
      if (!this.#echoOffForLine) this.#removed = true;
      const line = this.#line.replace(/\s+$/, "");
      this.#line = "";
      const r = line.length > 0 ? this.#dev.evalLine(line) : { ok: true as const, value: undefined };
      if (this.#echoOn() && r.ok && line.length > 0) this.#dev.consoleWrite("=" + replPrint(r.value) + "\n");
      this.#echoOffForLine = false;
      this.#queueReturn();
    } else {
      if (this.#showInputLine()) this.#print("\n:");
      this.#line += "\n";
    }
  }

  stop(): Promise<void> {
    this.#stopped = true;
    this.#client?.destroy();
    this.#client = null;
    const srv = this.#server;
    this.#server = null;
    return new Promise((r) => (srv ? srv.close(() => r()) : r()));
  }
}

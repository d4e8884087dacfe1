/*
 * What deploy and provision talk to: a live console (through espruino-link.ts) or, for
 * --dry-run, a recorder that logs every console line that would be sent and answers as a
 * healthy device would (Storage writes succeed, checksums match what was written).
 *
 * Limits: the recorder models only the commands of device-commands.ts; its answers are there so
 * that the dry run walks the same path as a real run, not to emulate a device.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ConsoleLink } from "./espruino-link.ts";
import type { Redactor } from "./secrets.ts";
import { adler32 } from "./device-commands.ts";

export interface Runner {
  /** Evaluates an expression; `what` names it in progress and errors. */
  evaluate(expr: string, what: string, timeoutMs?: number): Promise<unknown>;
  send(raw: string, what: string): Promise<void>;
  unlock(password: string | undefined): Promise<void>;
  transcript(): string;
  close(): Promise<void>;
  /** True for the dry-run recorder. */
  dry: boolean;
}

export function liveRunner(link: ConsoleLink): Runner {
  return {
    dry: false,
    evaluate: (expr, what, timeoutMs) => link.evaluate(expr, { what, timeoutMs }),
    send: (raw) => link.send(raw),
    unlock: (pw) => link.unlock(pw),
    transcript: () => link.transcript(),
    close: () => link.close(),
  };
}

/**
 * The dry-run recorder: writes `<folder>/commands.log` (one console line per command, secrets
 * redacted) and remembers the Storage files written so that checksums answer as they would.
 */
export function dryRunner(folder: string, redact: Redactor, answers: { board: string; version: string }): Runner {
  mkdirSync(folder, { recursive: true });
  const log = join(folder, "commands.log");
  writeFileSync(log, "# console lines deploy would send, in order (secrets shown as ***)\n");
  const files = new Map<string, Buffer>();
  const record = (line: string) => appendFileSync(log, redact(line) + "\n");
  const storage = (expr: string): unknown => {
    let m = /^require\("Storage"\)\.write\(("(?:[^"\\]|\\.)*"),atob\("([A-Za-z0-9+/=]*)"\),(\d+)/.exec(expr);
    if (m) {
      const name = JSON.parse(m[1]) as string;
      const off = Number(m[3]);
      const chunk = Buffer.from(m[2], "base64");
      const prev = off === 0 ? Buffer.alloc(0) : files.get(name) ?? Buffer.alloc(0);
      files.set(name, Buffer.concat([prev.subarray(0, off), chunk]));
      return true;
    }
    m = /^require\("Storage"\)\.write\(("(?:[^"\\]|\\.)*"),require\("Storage"\)\.read\(("(?:[^"\\]|\\.)*")\)\)$/.exec(expr);
    if (m) {
      files.set(JSON.parse(m[1]) as string, files.get(JSON.parse(m[2]) as string) ?? Buffer.alloc(0));
      return true;
    }
    m = /require\("Storage"\)\.read\(("(?:[^"\\]|\\.)*")\)\)$/.exec(expr);
    if (m && expr.startsWith("(function(s){if(s===undefined)return null;")) {
      const data = files.get(JSON.parse(m[1]) as string);
      return data ? [data.length, adler32(data)] : null;
    }
    m = /^require\("Storage"\)\.erase\(("(?:[^"\\]|\\.)*")\)$/.exec(expr);
    if (m) {
      files.delete(JSON.parse(m[1]) as string);
      return undefined;
    }
    if (expr.startsWith("{BOARD:process.env.BOARD")) return { BOARD: answers.board, VERSION: answers.version };
    if (expr.includes("getStats")) return { free: Number.MAX_SAFE_INTEGER, trash: 0 };
    if (expr.includes('require("Wifi").getIP()')) return null;
    return true;
  };
  return {
    dry: true,
    evaluate(expr) {
      record(expr);
      return Promise.resolve(storage(expr));
    },
    send(raw) {
      record(raw.split("\u0010").join("").replace(/\n$/, ""));
      return Promise.resolve();
    },
    unlock() {
      return Promise.resolve();
    },
    transcript: () => "",
    close: () => Promise.resolve(),
  };
}

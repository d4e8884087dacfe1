/*
 * The simulator's console (REPL over TCP) against Espruino's: echo, `=value`, errors, the `>`
 * prompt, continuation lines, DLE (echo off for a line), Ctrl-C; and the real `espruino` CLI
 * (node_modules/espruino) identifying the board, uploading a program that then answers on its
 * port, evaluating -e, writing Storage files, and saving to `.bootcde` (booted again at restart).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../simulator/index.ts";
import { client, simWith, sleep, until } from "./helpers.ts";

async function converse(port: number, steps: string[]): Promise<string> {
  const c = await client(port);
  await until(() => c.data().length > 0);
  for (const s of steps) {
    c.sock.write(s);
    await sleep(60);
  }
  c.sock.destroy();
  return c.data();
}

test("the console echoes input, prints =value and gives the > prompt", async () => {
  const sim = await simWith("");
  try {
    const out = await converse(sim.ports.console, ["1+2\n", '"a"\n']);
    assert.equal(out, '>1+2\r\n=3\r\n>"a"\r\n="a"\r\n>');
  } finally {
    await sim.dispose();
  }
});

test("the console prints errors as 'Uncaught Error: ...' and continues an unbalanced line with ':'", async () => {
  const sim = await simWith("");
  try {
    const out = await converse(sim.ports.console, ["foo(\n", "1)\n", 'throw new Error("boom")\n']);
    assert.match(out, /^>foo\(\r\n:1\)\r\nUncaught ReferenceError: "foo" is not defined\r\n/);
    assert.match(out, /Uncaught Error: boom\r\n/);
    assert.ok(out.endsWith(">"));
  } finally {
    await sim.dispose();
  }
});

test("a line starting with DLE (0x10) runs without echo and without =value", async () => {
  const sim = await simWith("");
  try {
    const out = await converse(sim.ports.console, ["\x10var q = 5\n", '\x10print("<", "<<", JSON.stringify(q * 2), ">>", ">")\n']);
    assert.equal(out, ">< << 10 >> >\r\n>");
  } finally {
    await sim.dispose();
  }
});

test("Ctrl-C clears the line being typed", async () => {
  const sim = await simWith("");
  try {
    const out = await converse(sim.ports.console, ["12", "\x03", "7\n"]);
    assert.equal(out, ">12\x1b[D\x1b[D\r\x1b[J>7\r\n=7\r\n>");
  } finally {
    await sim.dispose();
  }
});

function espruinoCli(port: number, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(
      process.execPath,
      [
        join(REPO_ROOT, "node_modules/espruino/bin/espruino-cli.js"),
        "--no-ble",
        "--port", `tcp://127.0.0.1:${port}`,
        // the board JSON comes from the repo, not the Internet; throttled writes avoid CLI 0.1.67's
        // fast-write path, whose completion callback never fires for uploads of 512 bytes or less
        "--config", `BOARD_JSON_URL=${join(REPO_ROOT, "simulator/board-json")}`,
        "--config", "SERIAL_THROTTLE_SEND=1",
        ...args,
      ],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => p.kill(), 20000);
    p.on("exit", (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

const ECHO_PROGRAM = `var srv = require("net").createServer(function (c) {
  c.on("data", function (d) { c.write("ECHO:" + d); });
});
srv.listen(9200);
print("uploaded echo server up");
`;

test("the real espruino CLI uploads a program to the console, and the program then answers on its port", async () => {
  const sim = await simWith(`print("firmware that the upload's reset() replaces");`);
  try {
    const file = join(sim.dir, "echo.js");
    writeFileSync(file, ECHO_PROGRAM);
    const r = await espruinoCli(sim.ports.console, [file]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /uploaded echo server up/);
    await until(() => sim.hostPort(9200) !== undefined);
    const c = await client(sim.hostPort(9200)!);
    c.sock.write("ping");
    await until(() => c.data() === "ECHO:ping");
    c.sock.destroy();
  } finally {
    await sim.dispose();
  }
});

test("the espruino CLI identifies the board from process.env and evaluates -e", async () => {
  const sim = await simWith("");
  try {
    const r = await espruinoCli(sim.ports.console, ["-v", "-e", 'print("answer=" + (6 * 7) + " free=" + require("Storage").getFree())']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Found SIMULATOR, 2v29/);
    assert.match(r.out, /answer=42 free=\d+/);
  } finally {
    await sim.dispose();
  }
});

test("the espruino CLI writes a Storage file (--storage) in chunks", async () => {
  const sim = await simWith("");
  try {
    const data = join(sim.dir, "data.txt");
    const content = "x".repeat(1500) + "end";
    writeFileSync(data, content);
    const r = await espruinoCli(sim.ports.console, ["--storage", `notes:${data}`, "-e", 'print("len=" + require("Storage").read("notes").length)']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /len=1503/);
    assert.equal(sim.evaluate('require("Storage").read("notes")'), content);
  } finally {
    await sim.dispose();
  }
});

test("code the CLI saves to .bootcde runs after load() and again at the next start", async () => {
  const sim = await simWith(`print("bundle ran");`);
  const dir = sim.dir;
  try {
    const file = join(dir, "echo.js");
    writeFileSync(file, ECHO_PROGRAM);
    const r = await espruinoCli(sim.ports.console, ["--config", "SAVE_ON_SEND=1", file]);
    assert.equal(r.code, 0, r.out);
    assert.match(String(sim.evaluate('require("Storage").read(".bootcde")')), /ECHO:/);
    await sim.waitForConsole("uploaded echo server up");
    await sim.stop();
    const again = await simWith("print('bundle ran');", { stateDir: dir });
    try {
      assert.match(again.consoleOutput(), /uploaded echo server up/);
      assert.doesNotMatch(again.consoleOutput(), /bundle ran/);
      const c = await client(again.hostPort(9200)!);
      c.sock.write("x");
      await until(() => c.data() === "ECHO:x");
      c.sock.destroy();
    } finally {
      await again.dispose();
    }
  } catch (e) {
    await sim.dispose();
    throw e;
  }
});

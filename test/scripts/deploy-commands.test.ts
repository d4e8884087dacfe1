/*
 * The console commands deploy sends (scripts/deploy/device-commands.ts), run in a Node vm with a
 * tiny Storage stand-in, and the flash command line (scripts/flash.ts).
 */
import assert from "node:assert/strict";
import vm from "node:vm";
import { test } from "node:test";
import { loadBoard } from "../../board-configs/index.ts";
import {
  adler32,
  checksumExpr,
  consolePrelude,
  copyExpr,
  writeChunkExprs,
} from "../../scripts/deploy/device-commands.ts";
import { esptoolCommands, flashImageFor } from "../../scripts/flash.ts";
import { parseDeployArgs } from "../../scripts/deploy/args.ts";

function fakeDevice() {
  const files = new Map<string, string>();
  const storage = {
    write(name: string, data: string, off?: number) {
      const prev = off ? files.get(name) ?? "" : "";
      files.set(name, prev.slice(0, off ?? 0) + data);
      return true;
    },
    read: (name: string) => files.get(name),
  };
  const ctx = vm.createContext({ require: () => storage, atob: (b: string) => Buffer.from(b, "base64").toString("latin1") });
  return { files, run: (code: string) => vm.runInContext(code, ctx) as unknown };
}

test("chunked writes rebuild every byte value exactly, in order", () => {
  const data = Buffer.alloc(3000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 255;
  const dev = fakeDevice();
  const lines = writeChunkExprs("w.bin", data);
  assert.equal(lines.length, 4);
  assert.match(lines[0], /,0,3000\)$/, "the first chunk declares the file size");
  for (const l of lines) assert.equal(dev.run(l), true);
  assert.equal(dev.files.get("w.bin"), data.toString("latin1"));
});

test("the device-side checksum equals the host's Adler-32", () => {
  const data = Buffer.from("print('hello');\u00ff\u0000 binary", "latin1");
  const dev = fakeDevice();
  for (const l of writeChunkExprs(".bootnew", data)) dev.run(l);
  assert.deepEqual(JSON.parse(JSON.stringify(dev.run(checksumExpr(".bootnew")))), [data.length, adler32(data)]);
  assert.equal(dev.run(checksumExpr("missing")), null);
  assert.equal(adler32(Buffer.from("Wikipedia")), 0x11e60398);
});

test("the commit copies the verified temporary file over .bootcde", () => {
  const dev = fakeDevice();
  dev.files.set(".bootnew", "new code");
  dev.files.set(".bootcde", "old code");
  assert.equal(dev.run(copyExpr(".bootnew", ".bootcde")), true);
  assert.equal(dev.files.get(".bootcde"), "new code");
});

test("the console policy prelude turns telnet off or locks the console, and is empty when open", () => {
  assert.equal(consolePrelude("open"), "");
  assert.equal(consolePrelude("off"), 'require("TelnetServer").setOptions({mode:"off"});\n');
  assert.match(consolePrelude("lock"), /E\.setPassword\(p\);E\.lockConsole\(\)/);
  assert.doesNotMatch(consolePrelude("lock"), /password\s*[:=]\s*"/, "the password itself is never in the boot code");
});

test("flash gives esptool's erase and write_flash for the ESP8266_4MB combined image at 0", () => {
  const image = flashImageFor(loadBoard("nodemcu"));
  assert.equal(image.file, "espruino_2v29_esp8266_4mb_combined_4096.bin");
  assert.deepEqual(esptoolCommands("/dev/ttyUSB0", 115200, image, true), [
    ["--port", "/dev/ttyUSB0", "--baud", "115200", "erase_flash"],
    ["--port", "/dev/ttyUSB0", "--baud", "115200", "write_flash", "--flash_freq", "80m", "--flash_mode", "dio", "--flash_size", "4MB-c1", "0x0000", "espruino_2v29_esp8266_4mb_combined_4096.bin"],
  ]);
  assert.equal(flashImageFor(loadBoard("d1-mini")).file, image.file);
  assert.throws(() => flashImageFor(loadBoard("linux")), /nothing to flash/);
});

test("deploy refuses secrets as command-line options", () => {
  assert.throws(() => parseDeployArgs(["--token", "abc"]), /secrets are not taken on the command line/);
  assert.deepEqual(parseDeployArgs(["--ports", "http=1,echo=2,line=3"]).ports, { http: 1, echo: 2, line: 3 });
});

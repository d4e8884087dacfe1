/*
 * `npm run flash -- --board nodemcu --port /dev/ttyUSB0 --firmware <espruino_2v29_esp8266_4mb_combined_4096.bin>`:
 * puts Espruino itself on a new ESP8266 with Espressif's esptool (the Python tool: `pip install
 * esptool`), erasing the flash first. `--print` only prints the commands (docs/GETTING-STARTED.md
 * gives the same ones). Exit codes: 0 flashed (or printed), 1 failed, 2 bad usage.
 *
 * Why not esptool-js from Node: its transport is bound to the browser's Web Serial API, Node use
 * is an open request (espressif/esptool-js#117, #122), and the `serialport` package is reported
 * too slow at toggling DTR and RTS together for the reset-into-bootloader sequence. The Python
 * esptool is the tool Espruino's own flashing notes use.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { BoardConfigError, knownBoards, loadBoard } from "../board-configs/index.ts";
import type { BoardConfig } from "../board-configs/schema.ts";
import { DeployError, exitCodeFor } from "./deploy/errors.ts";

export interface FlashImage {
  /** The file name Espruino publishes for this build and version. */
  file: string;
  /** esptool write_flash options and address/file pairs. */
  writeArgs: string[];
}

/** Espruino's firmware image and flash layout for a board, or EUSAGE when it runs no ESP8266 build. */
export function flashImageFor(board: BoardConfig, firmwarePath?: string): FlashImage {
  const v = board.espruino.version;
  if (board.espruino.build === "ESP8266_4MB") {
    const file = `espruino_${v}_esp8266_4mb_combined_4096.bin`;
    // The combined image holds the boot loader, Espruino, the RF init data and a blank sector at
    // their places for the 4MB:1024/1024 flash map, so it goes at 0. dio works on every ESP-12
    // module (qio only where the flash chip supports it); 4MB-c1 is the 1024/1024 map.
    return {
      file,
      writeArgs: ["write_flash", "--flash_freq", "80m", "--flash_mode", "dio", "--flash_size", "4MB-c1", "0x0000", firmwarePath ?? file],
    };
  }
  throw new DeployError("EUSAGE", `board ${board.name} runs Espruino's ${board.espruino.build} build: there is nothing to flash onto an ESP8266 for it`);
}

export function esptoolCommands(port: string, baud: number, image: FlashImage, erase: boolean): string[][] {
  const base = ["--port", port, "--baud", String(baud)];
  const cmds: string[][] = [];
  if (erase) cmds.push([...base, "erase_flash"]);
  cmds.push([...base, ...image.writeArgs]);
  return cmds;
}

/** The esptool on this machine, as a command and its leading arguments, or null. */
function findEsptool(): string[] | null {
  for (const cand of [["esptool.py"], ["esptool"], ["python3", "-m", "esptool"]]) {
    const r = spawnSync(cand[0], [...cand.slice(1), "version"], { encoding: "utf8" });
    if (r.status === 0) return cand;
  }
  return null;
}

interface FlashArgs {
  help?: boolean;
  board?: string;
  port?: string;
  firmware?: string;
  baud: number;
  erase: boolean;
  print: boolean;
}

export function parseFlashArgs(argv: readonly string[]): FlashArgs {
  const a: FlashArgs = { baud: 115200, erase: true, print: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new DeployError("EUSAGE", `${arg} needs a value`);
      return v;
    };
    if (arg === "--help" || arg === "-h") a.help = true;
    else if (arg === "--board") a.board = value();
    else if (arg === "--port" || arg === "-p") a.port = value();
    else if (arg === "--firmware") a.firmware = value();
    else if (arg === "--baud") a.baud = Number(value());
    else if (arg === "--no-erase") a.erase = false;
    else if (arg === "--print") a.print = true;
    else throw new DeployError("EUSAGE", `unknown option ${JSON.stringify(arg)}`);
  }
  if ([9600, 57600, 115200, 230400, 460800, 921600].indexOf(a.baud) < 0) throw new DeployError("EUSAGE", `--baud ${a.baud}: use 115200 (safe) or 460800 (faster)`);
  return a;
}

export const FLASH_USAGE = `usage: npm run flash -- --board <nodemcu|d1-mini> --port /dev/ttyUSB0 --firmware <file.bin> [options]

  --board <name>      board config (its Espruino build names the image to flash)
  --port <p>          the board's USB serial port
  --firmware <file>   Espruino's combined image for that build (from espruino.com/Download)
  --baud <n>          115200 (default, safe) or 460800 (faster)
  --no-erase          do not erase the flash first
  --print             only print the esptool commands
  --help              this text

Exit codes: 0 flashed (or printed), 1 failed, 2 bad usage.`;

function main(argv: string[]): number {
  const out = (l: string) => process.stdout.write(l + "\n");
  try {
    const a = parseFlashArgs(argv);
    if (a.help) {
      out(FLASH_USAGE);
      return 0;
    }
    if (!a.board) throw new DeployError("EUSAGE", `no --board given; known boards: ${knownBoards().join(", ")}`);
    let board: BoardConfig;
    try {
      board = loadBoard(a.board);
    } catch (e) {
      if (e instanceof BoardConfigError) throw new DeployError(e.code, e.message);
      throw e;
    }
    const image = flashImageFor(board, a.firmware);
    const port = a.port ?? "/dev/ttyUSB0";
    const cmds = esptoolCommands(port, a.baud, image, a.erase);
    out(`board ${board.name}: Espruino ${board.espruino.version} ${board.espruino.build}, image ${image.file}`);
    out("(from https://www.espruino.com/Download, in the release's ESP8266 files)");
    if (a.print) {
      for (const c of cmds) out(`esptool.py ${c.join(" ")}`);
      return 0;
    }
    if (!a.port) throw new DeployError("EUSAGE", "no --port given (the board's USB serial port, such as /dev/ttyUSB0)");
    if (!a.firmware) throw new DeployError("EUSAGE", `no --firmware given: download ${image.file} and name it with --firmware`);
    if (!existsSync(a.firmware)) throw new DeployError("EUSAGE", `--firmware ${a.firmware}: no such file`);
    if (basename(a.firmware) !== image.file) out(`warning: expected a file named ${image.file}, got ${basename(a.firmware)}`);
    if (!existsSync(port)) throw new DeployError("ENOPORT", `no serial port ${port}: is the board plugged in (with a data cable)?`);
    const tool = findEsptool();
    if (!tool) {
      throw new DeployError("ENOTOOL", `esptool is not installed (pip install esptool). The commands are:\n  ${cmds.map((c) => "esptool.py " + c.join(" ")).join("\n  ")}`);
    }
    for (const c of cmds) {
      out(`run: ${[...tool, ...c].join(" ")}`);
      const r = spawnSync(tool[0], [...tool.slice(1), ...c], { stdio: "inherit" });
      if (r.status !== 0) {
        throw new DeployError("ENOANSWER", `esptool failed (exit ${r.status}). Hold the board's FLASH button while it connects, try --baud 115200, or another USB cable`);
      }
    }
    out("flashed: open the serial console at 115200 baud (npx espruino -p " + port + " -b 115200) and press RST; Espruino prints its banner");
    return 0;
  } catch (e) {
    if (e instanceof DeployError) {
      process.stderr.write(`flash: error ${e.code}: ${e.message}\n`);
      if (exitCodeFor(e.code) === 2) process.stderr.write(FLASH_USAGE + "\n");
      return exitCodeFor(e.code);
    }
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main(process.argv.slice(2)));

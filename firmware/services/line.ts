/*
 * The line protocol's resident part (port 4444; the protocol itself is the lazy module
 * `lazy:line`, firmware/lazy/line.ts). It admits each client (a socket free and LINE_NEED
 * variables, and the module's own when it is not loaded), loads the module for the first client,
 * and drops it at the once-a-second sweep once no client and no UDP push needs it, collecting
 * its garbage then (a module's functions and scope hold each other: Espruino collects such a
 * cycle by itself only near exhaustion).
 *
 * What it buys (docs/MEMORY.md rule 4): the protocol's functions and its command table take RAM
 * only while someone uses them, and a line costs what it did when they were resident (the
 * module stays loaded for the whole session). The first client pays for the load.
 */
import { load as loadLine } from "lazy:line";
import type { LineClient } from "../lazy/line.ts";
import type { EspruinoSocket } from "../platform/socket-held.ts";
import { admit, GUARD_VARS, lineSockets } from "./device.ts";

/** Free variables a new client needs: the guard, plus its socket, its replies and a command's working set (docs/MEMORY.md). */
export const LINE_NEED = GUARD_VARS + 120;

/** Free variables the module takes once loaded (163 measured on espruino-1600-32: docs/MEMORY.md). */
export const LINE_CODE_VARS = 170;

/** The protocol's exports while loaded (null: not loaded). */
let lineCode: ReturnType<typeof loadLine> | null = null;

/** Takes an accepted socket (the listener's callback). */
export function lineAccept(s: EspruinoSocket): void {
  const c = s as LineClient;
  if (c.sckt === undefined) return;
  try {
    c.logAs_ = "line " + (c.remoteAddress ? c.remoteAddress : "?") + ": ";
    const why = admit(lineSockets, c, lineCode === null ? LINE_NEED + LINE_CODE_VARS : LINE_NEED);
    if (why !== "") {
      print(c.logAs_ + "refused, " + why);
      c.end("ERR EBUSY " + why + "\r\n");
      return;
    }
    if (lineCode === null) {
      // A copy dropped at the sweep stays until a collection when a closed socket still held
      // its listeners then: collect it before making another.
      process.memory();
      lineCode = loadLine();
    }
    lineCode.lineStart(c);
  } catch (e) {
    print("line: accept failed: " + e);
  }
}

/** Once a second: the protocol's sweep (idle clients), or its drop once nothing needs it. */
export function lineSweep(): void {
  const l = lineCode;
  if (l === null) return;
  if (lineSockets.length > 0 || l.linePushing()) return l.lineSweep();
  lineCode = null;
  process.memory();
}

/** True while the UDP push runs (it keeps the protocol loaded without a client). */
export function linePushing(): boolean {
  return lineCode !== null && lineCode.linePushing();
}

/** True while the protocol is loaded (tests and the memory census). */
export function lineLoaded(): boolean {
  return lineCode !== null;
}

/** The console's `say(text)`: `# say: <text>` to every line client; gives how many. */
export function lineSay(text: string): number {
  return lineCode === null ? 0 : lineCode.lineSay(text);
}

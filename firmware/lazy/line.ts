/*
 * Lazy module `lazy:line` (docs/MEMORY.md rule 4): the line protocol on port 4444
 * (docs/PROTOCOL.md, "Line protocol"): greeting, every command, per-client STREAM, and through
 * `lazy:line-more` the device's UDP push, FETCH, AUTH and HELP. services/line.ts, resident, admits
 * each client, loads this module for the first one and holds it while a client or the UDP push
 * needs it: a device nobody has a terminal open to does not keep the protocol in RAM.
 *
 * Limits: a line is at most LINE_MAX bytes (E2BIG, the connection lives on); a client holds at
 * most one partial line. A client whose replies not yet sent (Espruino's send buffer, `dSnd`)
 * would pass MAX_UNSENT bytes is closed. Telemetry never blocks: a stream sample due while more
 * than STREAM_HOLD bytes are unsent is dropped and counted (`dropped` in STATUS), its seq used
 * up, so the gap shows. A client quiet for LINE_IDLE_S and not streaming is closed by the
 * once-a-second sweep. Every handler catches and logs its exceptions; the others go on.
 *
 * Shape, for Espruino's CPU and RAM (docs/MEMORY.md): a client is its socket, its fields set
 * only once they are needed; its `data` and `close` listeners are two functions shared by every
 * client (`this` is the socket). A line is dispatched through COMMANDS, one small function per
 * keyword, so a command lexes only its own code, never the others'. Its imports of the device
 * (services/device.ts, auth.ts) are the resident ones (rollup.config.js, `shareResident`).
 */
import { find } from "../../lib/find.ts";
import { DEVICE_NAME, FIRMWARE_VERSION } from "board-config";
import { parseRate, splitWords } from "../../lib/command-parser.ts";
import { frameLines, type FrameState } from "../../lib/line-framer.ts";
import { CSV_HEADER } from "../../lib/sample-csv.ts";
import { LINE_IDLE_S, LINE_MAX, MAX_UNSENT, STREAM_HOLD } from "../services/line-limits.ts";
import type { EspruinoSocket } from "../platform/socket-held.ts";
import { wifiIp, wifiRssi } from "../platform/wifi.ts";
import { tokenMatches, tokenRequired } from "../services/auth.ts";
import type { LineMoreState } from "../services/contracts.ts";
import { clients, dev, fetchBudget, lineSockets, lowMemory, pushDevice, sampleCsv, setLed, uptimeMs } from "../services/device.ts";
import { loadMore } from "../services/line-more.ts";

/** A line client: its socket, with the fields it needs once they are set. */
export type LineClient = EspruinoSocket &
  FrameState & {
    /** Seconds since the last byte received. */
    quiet_?: number;
    /** Stream samples dropped. */
    dropped_?: number;
    /** The last seq of its STREAM and of its READs. */
    streamSeq_?: number;
    readSeq_: number;
    /** Its stream's interval, absent or 0: none. */
    streamTimer_?: number;
    /** AUTH given with the right token. */
    authed_?: boolean;
    /** Its socket is gone. */
    gone_: boolean;
    /** What its log lines start with: "line <peer address>: " ("?" where the platform gives none, as Espruino's sockets do). */
    logAs_: string;
  };

/** A command: the client and the line's words (the keyword first). */
export type Command = (c: LineClient, w: string[]) => void;

/** The keywords of the commands in the lazy module `lazy:line-more` (HELP, AUTH, UDP, FETCH). */
const RARE = " HELP AUTH UDP FETCH ";

/** The device's UDP push and FETCH, once a command has needed them (lazy:line-more sets them). */
const rareState: LineMoreState = { push: null, fetcher: null };

/** Starts the session of client `c`, admitted by services/line.ts (its `logAs_` set). */
export function lineStart(c: LineClient): void {
  // The fields read on every line are set now: reading a field an object does not have walks its prototypes.
  c.gone_ = false;
  c.readSeq_ = 0;
  c.held_ = "";
  c.on("data", lineData);
  c.on("close", lineClose);
  lineLog(c, "connect");
  lineSend(c, "# " + DEVICE_NAME + " " + FIRMWARE_VERSION + " ready");
}

function lineLog(c: LineClient, text: string): void {
  print(c.logAs_ + text);
}

function lineData(this: LineClient, d: string): void {
  this.quiet_ = 0;
  // The usual chunk is one whole short line and nothing held: run it without the framer's loop.
  const nl = d.indexOf("\n");
  if (nl === d.length - 1 && nl <= LINE_MAX && this.held_ === "") {
    lineRun(this, null, d.charCodeAt(nl - 1) === 13 ? d.substring(0, nl - 1) : d.substring(0, nl));
  } else frameLines(this, LINE_MAX, d, lineRun);
}

/** Runs one framed line (frameLines' sink). */
function lineRun(c: LineClient, err: string | null, line: string): void {
  if (c.gone_) return;
  if (err !== null) return lineSend(c, "ERR " + err + " line over " + LINE_MAX + " bytes");
  // The usual line is one word: no split. splitWords, called once, is inlined by the minifier as
  // a function expression, which Espruino makes every time it runs: only for the other lines.
  const w = line.indexOf(" ") < 0 && line.indexOf("\t") < 0 ? (line === "" ? [] : [line]) : splitWords(line);
  if (w.length === 0) return;
  const k = w[0].toUpperCase();
  const run = COMMANDS[k];
  const rare = run === undefined && find(RARE, " " + k + " ") >= 0;
  if (run === undefined && !rare) {
    lineLog(c, "ERR EUNKNOWN");
    return lineSend(c, "ERR EUNKNOWN try HELP");
  }
  // lineLog's line, written out: this runs for every command.
  print(c.logAs_ + (k === "AUTH" ? "AUTH ***" : line));
  try {
    if (run !== undefined) run(c, w);
    // The rarely used commands are a lazy module, loaded for the line and dropped after it.
    else loadMore().run(c, w, rareState, { send: lineSend, authed: lineAuthed, log: lineLog, lowMemory: lowMemory, pushDevice: pushDevice, fetchBudget: fetchBudget, tokenMatches: tokenMatches, tokenRequired: tokenRequired, udp: dev.udp_ });
  } catch (e) {
    print("line: " + k + " failed: " + e);
    lineSend(c, "ERR EBUSY internal error");
  }
}

/** Sends one line to `c`, or closes it when it has left MAX_UNSENT bytes unread. */
function lineSend(c: LineClient, text: string): void {
  if (c.gone_) return;
  // Espruino keeps `dSnd` as "" once all is sent: the usual case is decided without a length.
  const held = c.dSnd;
  if (held && held.length + text.length + 2 > MAX_UNSENT) {
    lineLog(c, "not reading, closed");
    lineStop(c);
    // At once: end() would wait for the bytes it does not read (platform/socket-held.ts).
    c.clsNow = true;
    c.gone_ = true;
    return;
  }
  try {
    c.write(text + "\r\n");
  } catch (e) {
    c.gone_ = true;
  }
}

function lineStop(c: LineClient): void {
  if (c.streamTimer_) clearInterval(c.streamTimer_);
  c.streamTimer_ = 0;
}

function lineEnd(c: LineClient): void {
  lineStop(c);
  try {
    c.end();
  } catch (e) {
    c.gone_ = true;
  }
}

function lineClose(this: LineClient, hadError: boolean): void {
  this.gone_ = true;
  lineStop(this);
  // device.ts's forget(), written out: a second caller would keep it a resident function (6
  // variables at boot, measured: 1005 -> 999 free) where terser now inlines it into echo's close.
  const i = lineSockets.indexOf(this);
  if (i >= 0) lineSockets.splice(i, 1);
  lineLog(this, hadError ? "disconnect, socket error" : "disconnect");
}

/** One stream sample for `c` (its interval's callback), dropped when `c` has not read the last ones. */
function lineTick(c: LineClient): void {
  const seq = (c.streamSeq_ = (c.streamSeq_ || 0) + 1);
  const held = c.dSnd;
  if (held !== undefined && held.length > STREAM_HOLD) c.dropped_ = (c.dropped_ || 0) + 1;
  else lineSend(c, sampleCsv(seq));
}

/** True when `c` may use a guarded command (LED, UDP, FETCH); otherwise answers EAUTH. */
function lineAuthed(c: LineClient): boolean {
  if (c.authed_ || !tokenRequired()) return true;
  lineSend(c, "ERR EAUTH send AUTH <token> first");
  return false;
}

/** The commands, by keyword (upper case). Each checks its own arguments. */
const COMMANDS: { [keyword: string]: Command | undefined } = {
  READ: function (c, w) {
    if (w.length > 1) return lineSend(c, "ERR EARG READ takes no argument");
    lineSend(c, "OK " + sampleCsv(++c.readSeq_));
  },
  STATUS: function (c, w) {
    if (w.length > 1) return lineSend(c, "ERR EARG STATUS takes no argument");
    const st = dev.wifi_;
    const rssi = wifiRssi(st);
    // The STATUS line of docs/PROTOCOL.md, "Line protocol", written out (an object of the values would cost more than the line).
    lineSend(
      c,
      "OK uptime=" + uptimeMs() + " free=" + process.memory(false).free + " led=" + dev.led_ + " clients=" + clients() +
        " ip=" + wifiIp(st) + " rssi=" + (rssi === null ? "na" : rssi) + " wifi=" + st + " dropped=" + (c.dropped_ || 0),
    );
  },
  LED: function (c, w) {
    const m = w.length === 2 ? w[1].toUpperCase() : "";
    if (m !== "ON" && m !== "OFF" && m !== "TOGGLE") return lineSend(c, "ERR EARG LED ON|OFF|TOGGLE");
    if (lineAuthed(c)) lineSend(c, "OK led=" + setLed(m === "ON" ? 1 : m === "OFF" ? 0 : 1 - dev.led_));
  },
  STREAM: function (c, w) {
    const ms = w.length <= 2 ? parseRate(w[1]) : -1;
    if (ms < 0) return lineSend(c, "ERR EARG STREAM [ms], ms 50..60000");
    if (lowMemory()) return lineSend(c, "ERR EBUSY low memory");
    lineStop(c);
    lineSend(c, "OK stream=" + ms);
    lineSend(c, CSV_HEADER);
    c.streamSeq_ = 0;
    c.streamTimer_ = setInterval(lineTick, ms, c);
  },
  STOP: function (c, w) {
    if (w.length > 1) return lineSend(c, "ERR EARG STOP takes no argument");
    lineStop(c);
    lineSend(c, "OK stream=off");
  },
  QUIT: function (c, w) {
    if (w.length > 1) return lineSend(c, "ERR EARG QUIT takes no argument");
    lineSend(c, "OK bye");
    lineEnd(c);
  },
};

/** True while the line service has work without clients (a UDP push runs). */
export function linePushing(): boolean {
  return rareState.push !== null && rareState.push.active();
}

/** The once-a-second sweep: closes the clients quiet for LINE_IDLE_S that are not streaming. */
export function lineSweep(): void {
  for (let i = lineSockets.length - 1; i >= 0; i--) {
    const c = lineSockets[i] as LineClient;
    if (c.streamTimer_) continue;
    const q = (c.quiet_ || 0) + 1;
    c.quiet_ = q;
    if (q > LINE_IDLE_S) {
      lineLog(c, "idle timeout");
      lineSend(c, "# idle timeout");
      lineEnd(c);
    }
  }
}

/** The console's `say(text)`: `# say: <text>` to every line client, control bytes as spaces; gives how many. */
export function lineSay(text: string): number {
  const t = text.substring(0, 100).replace(/[\x00-\x1f\x7f]/g, " ");
  for (let i = 0; i < lineSockets.length; i++) lineSend(lineSockets[i] as LineClient, "# say: " + t);
  return lineSockets.length;
}

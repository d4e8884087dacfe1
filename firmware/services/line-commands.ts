/*
 * The line protocol's commands (SPEC.md, "Line protocol"; docs/PROTOCOL.md): runLine() parses
 * one complete line and answers it on its client. The firmware loads this code for each line
 * from a lazy module and drops it after (docs/MEMORY.md), so nothing here may keep a function
 * alive past the command: the stream's timer is made by the server's dispatcher (STREAM), and
 * only FETCH's reply, which lives until the fetch ends, is made here. UDP push and FETCH are
 * asked of the options (o.push(), o.fetch()) by their first command and kept on the server.
 */
import { parseCommand, type Command } from "../../lib/command-parser.ts";
import { CSV_HEADER, encodeSampleCsv } from "../../lib/sample-csv.ts";
import { formatStatus } from "../../lib/status-line.ts";
import { END, LOG, SEND, STOP, STREAM, type Client, type LineServer } from "./line-server.ts";
import { takeSample } from "./take-sample.ts";

const HELP =
  "# commands (keywords in any case):\r\n" +
  "# HELP | STATUS | READ | QUIT\r\n" +
  "# LED ON|OFF|TOGGLE\r\n" +
  "# STREAM [ms 50..60000] | STOP\r\n" +
  "# UDP <ipv4> <port> [ms] | UDP OFF\r\n" +
  "# FETCH http://host[:port]/path\r\n" +
  "# AUTH <token>\r\n";

function exec(v: LineServer, t: Client, c: Command): void {
  const o = v.o_;
  const d = o.device;
  if (c.cmd === "ERR") return;
  if (c.cmd === "HELP") return v.x_(t, SEND, HELP + "OK");
  if (c.cmd === "STATUS") {
    return v.x_(
      t,
      SEND,
      formatStatus({ uptime: d.uptimeMs(), free: d.freeVars(), led: d.led(), clients: d.clients(), ip: d.ip(), rssi: d.rssi(), wifi: d.wifiState(), dropped: t.dr_ || 0 }),
    );
  }
  if (c.cmd === "READ") return v.x_(t, SEND, "OK " + encodeSampleCsv(takeSample(d, (t.rq_ = (t.rq_ || 0) + 1))));
  if (c.cmd === "STOP") {
    v.x_(t, STOP, 0);
    return v.x_(t, SEND, "OK stream=off");
  }
  if (c.cmd === "QUIT") {
    v.x_(t, SEND, "OK bye");
    return v.x_(t, END, 0);
  }
  if (c.cmd === "AUTH") {
    t.au_ = o.auth.check(c.token);
    return v.x_(t, SEND, t.au_ ? "OK auth" : "ERR EAUTH wrong token");
  }
  const guarded = c.cmd === "LED" || c.cmd === "UDP" || c.cmd === "UDPOFF" || c.cmd === "FETCH";
  if (guarded && o.auth.required() && !t.au_) return v.x_(t, SEND, "ERR EAUTH send AUTH <token> first");
  if (c.cmd === "LED") {
    const on = c.mode === "ON" ? true : c.mode === "OFF" ? false : d.led() === 0;
    return v.x_(t, SEND, "OK led=" + d.setLed(on));
  }
  if (c.cmd === "UDPOFF") {
    // Dropping the push lets the firmware free its code.
    const r = v.pu_ === undefined ? "OK udp=off" : v.pu_.off();
    delete v.pu_;
    return v.x_(t, SEND, r);
  }
  if (d.lowMemory()) return v.x_(t, SEND, "ERR EBUSY low memory");
  if (c.cmd === "STREAM") {
    v.x_(t, STOP, 0);
    v.x_(t, SEND, "OK stream=" + c.ms);
    v.x_(t, SEND, CSV_HEADER);
    v.x_(t, STREAM, c.ms);
    return;
  }
  if (c.cmd === "UDP") {
    if (v.pu_ === undefined) v.pu_ = o.push();
    return v.x_(t, SEND, v.pu_.set(c.ip, c.port, c.ms));
  }
  if (c.cmd === "FETCH") {
    if (v.fe_ === undefined) v.fe_ = o.fetch();
    return v.fe_.start(c.url, function (line: string) {
      v.x_(t, LOG, line);
      v.x_(t, SEND, line);
    });
  }
}

/** Parses and answers one complete line on client `t` of server `v`; an exception is logged and answered. */
export function runLine(v: LineServer, t: Client, line: string): void {
  const c = parseCommand(line);
  if (c === null) return;
  if (c.cmd === "ERR") {
    v.x_(t, LOG, "ERR " + c.code);
    v.x_(t, SEND, "ERR " + c.code + " " + c.msg);
    return;
  }
  v.x_(t, LOG, c.cmd === "AUTH" ? "AUTH ***" : line);
  try {
    exec(v, t, c);
  } catch (e) {
    v.o_.log("line: " + c.cmd + " failed: " + e);
    v.x_(t, SEND, "ERR EBUSY internal error");
  }
}

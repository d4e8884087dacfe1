/*
 * The line protocol's commands (SPEC.md, "Line protocol"; docs/PROTOCOL.md): runLine() parses
 * one complete line and answers it on its client. The firmware loads this code for each line
 * from a lazy module and drops it after (docs/MEMORY.md), so nothing here may keep a function
 * alive past the command: the stream's timer lives in the client (Client.stream_), and only
 * FETCH's reply, which lives until the fetch ends, is made here.
 */
import { parseCommand, type Command } from "../../lib/command-parser.ts";
import { CSV_HEADER, encodeSampleCsv } from "../../lib/sample-csv.ts";
import { formatStatus } from "../../lib/status-line.ts";
import type { Client } from "./line-server.ts";
import { takeSample } from "./sampler.ts";

const HELP =
  "# commands (keywords in any case):\r\n" +
  "# HELP | STATUS | READ | QUIT\r\n" +
  "# LED ON|OFF|TOGGLE\r\n" +
  "# STREAM [ms 50..60000] | STOP\r\n" +
  "# UDP <ipv4> <port> [ms] | UDP OFF\r\n" +
  "# FETCH http://host[:port]/path\r\n" +
  "# AUTH <token>\r\n";

function exec(t: Client, c: Command): void {
  const o = t.o_;
  const d = o.device;
  if (c.cmd === "ERR") return;
  if (c.cmd === "HELP") return t.send_(HELP + "OK");
  if (c.cmd === "STATUS") {
    return t.send_(
      formatStatus({ uptime: d.uptimeMs(), free: d.freeVars(), led: d.led(), clients: d.clients(), ip: d.ip(), rssi: d.rssi(), wifi: d.wifiState(), dropped: t.dr_ }),
    );
  }
  if (c.cmd === "READ") return t.send_("OK " + encodeSampleCsv(takeSample(d, ++t.rq_)));
  if (c.cmd === "STOP") {
    t.stop_();
    return t.send_("OK stream=off");
  }
  if (c.cmd === "QUIT") {
    t.send_("OK bye");
    return t.end_();
  }
  if (c.cmd === "AUTH") {
    t.au_ = o.auth.check(c.token);
    return t.send_(t.au_ ? "OK auth" : "ERR EAUTH wrong token");
  }
  const guarded = c.cmd === "LED" || c.cmd === "UDP" || c.cmd === "UDPOFF" || c.cmd === "FETCH";
  if (guarded && o.auth.required() && !t.au_) return t.send_("ERR EAUTH send AUTH <token> first");
  if (c.cmd === "LED") {
    const on = c.mode === "ON" ? true : c.mode === "OFF" ? false : d.led() === 0;
    return t.send_("OK led=" + d.setLed(on));
  }
  if (c.cmd === "UDPOFF") return t.send_(o.push.off());
  if (d.lowMemory()) return t.send_("ERR EBUSY low memory");
  if (c.cmd === "STREAM") {
    t.stop_();
    t.send_("OK stream=" + c.ms);
    t.send_(CSV_HEADER);
    t.stream_(c.ms);
    return;
  }
  if (c.cmd === "UDP") return t.send_(o.push.set(c.ip, c.port, c.ms));
  if (c.cmd === "FETCH") {
    return o.fetch.start(c.url, function (line: string) {
      t.log_(line);
      t.send_(line);
    });
  }
}

/** Parses and answers one complete line on client `t`; an exception is logged and answered. */
export function runLine(t: Client, line: string): void {
  const c = parseCommand(line);
  if (c === null) return;
  if (c.cmd === "ERR") {
    t.log_("ERR " + c.code);
    t.send_("ERR " + c.code + " " + c.msg);
    return;
  }
  t.log_(c.cmd === "AUTH" ? "AUTH ***" : line);
  try {
    exec(t, c);
  } catch (e) {
    t.o_.log("line: " + c.cmd + " failed: " + e);
    t.send_("ERR EBUSY internal error");
  }
}

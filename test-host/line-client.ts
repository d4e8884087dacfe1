/*
 * A client of the line protocol (docs/PROTOCOL.md, "Line protocol"): sends commands ending in `\n`
 * and reads replies, skipping `#` comment lines wherever they arrive (kept in `comments`), plus
 * parsers for STATUS and sample lines that check every field against that page.
 */
import { HarnessError } from "./errors.ts";
import { type Endpoint, Reader } from "./tcp.ts";

export interface Status {
  uptime: number;
  free: number;
  led: number;
  clients: number;
  ip: string;
  rssi: number | null;
  wifi: string;
  dropped: number;
}

export interface SampleLine {
  seq: number;
  ms: number;
  a0: number;
  free: number;
  led: number;
}

const UINT = /^[0-9]+$/;
const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

/** Parses `OK uptime=.. free=.. led=.. clients=.. ip=.. rssi=.. wifi=.. dropped=..`; throws EPROTO naming the bad field. */
export function parseStatus(line: string): Status {
  const want = ["uptime", "free", "led", "clients", "ip", "rssi", "wifi", "dropped"];
  const parts = line.split(" ");
  if (parts[0] !== "OK") throw new HarnessError("EPROTO", `STATUS answered ${JSON.stringify(line)}`);
  const kv = parts.slice(1);
  const keys = kv.map((p) => p.split("=")[0]);
  if (keys.join(",") !== want.join(",")) throw new HarnessError("EPROTO", `STATUS fields ${keys.join(",")}, want ${want.join(",")}`);
  const v: Record<string, string> = {};
  for (const p of kv) v[p.slice(0, p.indexOf("="))] = p.slice(p.indexOf("=") + 1);
  for (const k of ["uptime", "free", "clients", "dropped"]) {
    if (!UINT.test(v[k])) throw new HarnessError("EPROTO", `STATUS ${k}=${v[k]} is not a whole number`);
  }
  if (v.led !== "0" && v.led !== "1") throw new HarnessError("EPROTO", `STATUS led=${v.led}, want 0 or 1`);
  if (!IPV4.test(v.ip)) throw new HarnessError("EPROTO", `STATUS ip=${v.ip} is not an IPv4 address`);
  if (v.rssi !== "na" && !/^-?[0-9]+$/.test(v.rssi)) throw new HarnessError("EPROTO", `STATUS rssi=${v.rssi}, want dBm or na`);
  if (["up", "connecting", "ap", "down"].indexOf(v.wifi) < 0) throw new HarnessError("EPROTO", `STATUS wifi=${v.wifi}, want up, connecting, ap or down`);
  return {
    uptime: Number(v.uptime),
    free: Number(v.free),
    led: Number(v.led),
    clients: Number(v.clients),
    ip: v.ip,
    rssi: v.rssi === "na" ? null : Number(v.rssi),
    wifi: v.wifi,
    dropped: Number(v.dropped),
  };
}

/** Parses a sample line `<seq>,<ms>,<a0>,<free>,<led>`; throws EPROTO when it breaks docs/PROTOCOL.md, "Samples". */
export function parseSample(line: string): SampleLine {
  const f = line.split(",");
  if (f.length !== 5 || !f.every((x) => UINT.test(x))) throw new HarnessError("EPROTO", `not a sample line: ${JSON.stringify(line)}`);
  const [seq, ms, a0, free, led] = f.map(Number);
  if (seq < 1) throw new HarnessError("EPROTO", `sample seq ${seq}: seq counts from 1`);
  if (a0 > 1023) throw new HarnessError("EPROTO", `sample a0 ${a0} over 1023`);
  if (led > 1) throw new HarnessError("EPROTO", `sample led ${led}, want 0 or 1`);
  return { seq, ms, a0, free, led };
}

export class LineClient {
  readonly reader: Reader;
  /** Every comment line received, in order. */
  readonly comments: string[] = [];
  /** Lines that did not end in `\r\n` (the device ends its lines with it). */
  bareLf = 0;

  constructor(reader: Reader) {
    this.reader = reader;
  }

  /** Connects; the first line (the greeting, or `ERR EBUSY`) is left for `first()`. */
  static async open(ep: Endpoint, timeoutMs = 3000): Promise<LineClient> {
    return new LineClient(await Reader.open(ep, timeoutMs));
  }

  /** Connects and reads the greeting comment; throws if the device sent anything else. */
  static async connect(ep: Endpoint, timeoutMs = 3000): Promise<LineClient> {
    const c = await LineClient.open(ep, timeoutMs);
    try {
      const g = await c.raw(timeoutMs);
      if (!g.startsWith("#")) throw new HarnessError("EPROTO", `greeting ${JSON.stringify(g)}, want a comment line`);
      c.comments.push(g);
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** The next line, comment or not. */
  async raw(timeoutMs = 3000): Promise<string> {
    const l = await this.reader.line(timeoutMs);
    if (!l.crlf) this.bareLf++;
    return l.text;
  }

  /** The next line that is not a comment (comments are kept in `comments`). */
  async next(timeoutMs = 3000): Promise<string> {
    for (;;) {
      const l = await this.raw(timeoutMs);
      if (l.startsWith("#")) {
        this.comments.push(l);
        continue;
      }
      return l;
    }
  }

  send(line: string): Promise<void> {
    return this.reader.write(line + "\n");
  }

  /** Sends a command and returns its reply line. */
  async command(cmd: string, timeoutMs = 3000): Promise<string> {
    await this.send(cmd);
    return this.next(timeoutMs);
  }

  /** Sends a command; throws EPROTO unless the reply starts with `OK`. */
  async ok(cmd: string, timeoutMs = 3000): Promise<string> {
    const r = await this.command(cmd, timeoutMs);
    if (!r.startsWith("OK")) throw new HarnessError("EPROTO", `${cmd.split(" ")[0]} answered ${JSON.stringify(r)}`);
    return r;
  }

  async status(timeoutMs = 3000): Promise<Status> {
    return parseStatus(await this.command("STATUS", timeoutMs));
  }

  close(): void {
    this.reader.close();
  }
}

/** The error code of an `ERR <CODE> [message]` line, or null when it is not one. */
export function errCode(line: string): string | null {
  const m = /^ERR ([A-Z0-9]+)( .*)?$/.exec(line);
  return m ? m[1] : null;
}

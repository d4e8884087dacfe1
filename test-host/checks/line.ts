/*
 * Line protocol conformance (docs/PROTOCOL.md, "Line protocol"): the greeting, every command and its
 * reply, case-insensitive keywords, `\r\n` endings, empty lines, ERR codes (EUNKNOWN, EARG for
 * out-of-range arguments, E2BIG for long lines with the connection living on), pipelined and
 * byte-by-byte commands, QUIT. Comments are skipped wherever they arrive (LineClient does it).
 */
import { errCode, LineClient, parseSample, type Status } from "../line-client.ts";
import { sleep } from "../tcp.ts";
import { type Check, type CheckContext, expect, fail } from "./context.ts";

export function lineEndpoint(ctx: CheckContext) {
  return ctx.target.endpoint("line");
}

/** A connected client, authenticated when the target has a token. */
export async function authed(ctx: CheckContext): Promise<LineClient> {
  const c = await LineClient.connect(lineEndpoint(ctx));
  if (ctx.target.token) {
    const r = await c.command(`AUTH ${ctx.target.token}`);
    if (r !== "OK auth") {
      c.close();
      fail(`AUTH with the token given answered ${JSON.stringify(r)}`);
    }
  }
  return c;
}

export async function withClient<T>(ctx: CheckContext, fn: (c: LineClient) => Promise<T>, auth = false): Promise<T> {
  const c = auth ? await authed(ctx) : await LineClient.connect(lineEndpoint(ctx));
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** `# <name> <version> ready`, the name without spaces. */
export const GREETING = /^# ([^\s]+) ([^\s]+) ready$/;

const greeting: Check = {
  name: "line.greeting",
  async run(ctx) {
    const c = await LineClient.open(lineEndpoint(ctx));
    try {
      const l = await c.reader.line(3000);
      const m = GREETING.exec(l.text);
      expect(m, `greeting ${JSON.stringify(l.text)}, want "# <name> <version> ready"`);
      expect(l.crlf, "the greeting does not end in \\r\\n");
      if (ctx.target.kind !== "address") {
        expect(m[1] === ctx.target.board.deviceName, `greeting names "${m[1]}", the board config says "${ctx.target.board.deviceName}"`);
      }
      return { detail: l.text, data: { name: m[1], version: m[2] } };
    } finally {
      c.close();
    }
  },
};

const help: Check = {
  name: "line.help",
  async run(ctx) {
    return withClient(ctx, async (c) => {
      const before = c.comments.length;
      const r = await c.command("HELP");
      expect(r === "OK", `HELP ended with ${JSON.stringify(r)}, want OK`);
      const lines = c.comments.length - before;
      expect(lines > 0, "HELP sent no # lines before OK");
      const text = c.comments.slice(before).join("\n").toUpperCase();
      const missing = ["HELP", "STATUS", "READ", "LED", "STREAM", "STOP", "UDP", "FETCH", "AUTH", "QUIT"].filter((k) => text.indexOf(k) < 0);
      expect(missing.length === 0, `HELP does not mention ${missing.join(", ")}`);
      expect(c.bareLf === 0, `${c.bareLf} lines ended in a bare \\n`);
      return `${lines} # lines naming every command, then OK`;
    });
  },
};

const status: Check = {
  name: "line.status",
  async run(ctx) {
    return withClient(ctx, async (c) => {
      const s1 = await c.status();
      await sleep(200);
      const s2 = await c.status();
      expect(s2.uptime >= s1.uptime + 100, `uptime went from ${s1.uptime} to ${s2.uptime} in 200 ms`);
      expect(s1.clients >= 1, `clients=${s1.clients} while this client is connected`);
      expect(s1.free <= ctx.target.board.variables.total, `free=${s1.free} over the board's ${ctx.target.board.variables.total} variables`);
      expect(s1.dropped === 0, `dropped=${s1.dropped} on a connection that has streamed nothing`);
      return { detail: `uptime=${s2.uptime} free=${s2.free} clients=${s2.clients} ip=${s2.ip} rssi=${s2.rssi ?? "na"} wifi=${s2.wifi}`, data: { ...s2 } };
    });
  },
};

const clients: Check = {
  name: "line.status.clients",
  async run(ctx) {
    return withClient(ctx, async (c) => {
      const a = (await c.status()).clients;
      const other = await LineClient.connect(lineEndpoint(ctx));
      let b: number;
      try {
        b = (await c.status()).clients;
      } finally {
        other.close();
      }
      let after = b;
      for (let i = 0; i < 20 && after !== a; i++) {
        await sleep(50);
        after = (await c.status()).clients;
      }
      expect(b === a + 1, `clients=${a}, then ${b} with a second client open (want ${a + 1})`);
      expect(after === a, `clients=${after} after the second client left (want ${a})`);
      return `clients ${a} → ${b} → ${after} as a second client came and went`;
    });
  },
};

const read: Check = {
  name: "line.read",
  async run(ctx) {
    return withClient(ctx, async (c) => {
      const r1 = await c.command("READ");
      expect(r1.startsWith("OK "), `READ answered ${JSON.stringify(r1)}`);
      const s1 = parseSample(r1.slice(3));
      await sleep(50);
      const s2 = parseSample((await c.ok("READ")).slice(3));
      expect(s1.seq === 1, `the first READ of a connection has seq ${s1.seq}, want 1`);
      expect(s2.seq === 2, `the second READ has seq ${s2.seq}, want 2`);
      expect(s2.ms >= s1.ms, `uptime went back from ${s1.ms} to ${s2.ms}`);
      return `OK ${s1.seq},${s1.ms},${s1.a0},${s1.free},${s1.led} then seq ${s2.seq}`;
    });
  },
};

const led: Check = {
  name: "line.led",
  async run(ctx) {
    return withClient(
      ctx,
      async (c) => {
        const start = (await c.status()).led;
        const seen: string[] = [];
        const step = async (cmd: string, want: number): Promise<void> => {
          const r = await c.command(cmd);
          seen.push(r);
          expect(r === `OK led=${want}`, `${cmd} answered ${JSON.stringify(r)}, want "OK led=${want}"`);
          const s: Status = await c.status();
          expect(s.led === want, `after ${cmd}, STATUS says led=${s.led}`);
        };
        await step("LED ON", 1);
        await step("LED ON", 1);
        await step("LED OFF", 0);
        await step("LED TOGGLE", 1);
        await step("LED TOGGLE", 0);
        const back = await c.command(start ? "LED ON" : "LED OFF");
        expect(back === `OK led=${start}`, `restoring the LED answered ${JSON.stringify(back)}`);
        return `ON, ON, OFF, TOGGLE, TOGGLE answered ${seen.join(" | ")}; STATUS agreed each time`;
      },
      true,
    );
  },
};

const caseInsensitive: Check = {
  name: "line.case",
  async run(ctx) {
    return withClient(
      ctx,
      async (c) => {
        const s = await c.command("status");
        expect(s.startsWith("OK uptime="), `"status" answered ${JSON.stringify(s)}`);
        const r = await c.command("rEaD");
        expect(r.startsWith("OK "), `"rEaD" answered ${JSON.stringify(r)}`);
        const h = await c.command("Help");
        expect(h === "OK", `"Help" answered ${JSON.stringify(h)}`);
        const t1 = await c.command("led toggle");
        const t2 = await c.command("Led Toggle");
        expect(/^OK led=[01]$/.test(t1) && /^OK led=[01]$/.test(t2) && t1 !== t2, `"led toggle", "Led Toggle" answered ${t1} | ${t2}`);
        return "status, rEaD, Help, led toggle, Led Toggle all understood";
      },
      true,
    );
  },
};

const endings: Check = {
  name: "line.endings",
  async run(ctx) {
    return withClient(ctx, async (c) => {
      // Empty lines (bare and CR LF) get no reply; CR LF ends a command like LF does.
      await c.reader.write("\n\r\n\n");
      const r = await c.command("STATUS\r");
      expect(r.startsWith("OK uptime="), `after empty lines, "STATUS\\r\\n" answered ${JSON.stringify(r)}`);
      await sleep(100);
      expect(c.reader.buffered === 0, `empty lines got an answer: ${JSON.stringify(c.reader.take().toString("latin1"))}`);
      expect(c.bareLf === 0, `${c.bareLf} lines from the device ended in a bare \\n`);
      return "empty lines ignored, CR LF accepted, every device line ends in CR LF";
    });
  },
};

async function expectErr(c: LineClient, cmd: string, code: string): Promise<string> {
  const r = await c.command(cmd);
  const got = errCode(r);
  expect(got === code, `${JSON.stringify(cmd)} answered ${JSON.stringify(r)}, want ERR ${code}`);
  return r;
}

const errors: Check = {
  name: "line.errors",
  async run(ctx) {
    return withClient(
      ctx,
      async (c) => {
        await expectErr(c, "FROB", "EUNKNOWN");
        await expectErr(c, "STATUSX", "EUNKNOWN");
        for (const arg of ["1", "-5", "abc", "49", "60001", "1.5"]) await expectErr(c, `STREAM ${arg}`, "EARG");
        await expectErr(c, "LED", "EARG");
        await expectErr(c, "LED BLINK", "EARG");
        await expectErr(c, "UDP", "EARG");
        await expectErr(c, "UDP 1.2.3 9000", "EARG");
        await expectErr(c, "UDP 256.1.1.1 9000", "EARG");
        await expectErr(c, "UDP 127.0.0.1 70000", "EARG");
        await expectErr(c, "UDP 127.0.0.1 9000 10", "EARG");
        await expectErr(c, "FETCH", "EARG");
        await expectErr(c, "FETCH ftp://example.com/", "EARG");
        const s = await c.command("STATUS");
        expect(s.startsWith("OK uptime="), `after the errors STATUS answered ${JSON.stringify(s)}`);
        return "EUNKNOWN for unknown words; EARG for STREAM 1/-5/abc/49/60001/1.5, LED, LED BLINK, bad UDP and FETCH arguments; the connection lives on";
      },
      true,
    );
  },
};

const e2big: Check = {
  name: "line.e2big",
  async run(ctx) {
    return withClient(ctx, async (c) => {
      // 128 bytes is a line; 129 is too long.
      await expectErr(c, "x".repeat(129), "E2BIG");
      // A 10 KB line in pieces, then a command on the same connection: one ERR, then the reply.
      const big = Buffer.alloc(10 * 1024, "A");
      for (let i = 0; i < big.length; i += 1000) {
        await c.reader.write(big.subarray(i, i + 1000));
        await sleep(1);
      }
      await c.reader.write("\nSTATUS\n");
      const r1 = await c.next(5000);
      expect(errCode(r1) === "E2BIG", `a 10 KB line answered ${JSON.stringify(r1)}, want ERR E2BIG`);
      const r2 = await c.next(3000);
      expect(r2.startsWith("OK uptime="), `after the 10 KB line, STATUS answered ${JSON.stringify(r2)} (want one ERR, then STATUS)`);
      // 128 bytes exactly is accepted: READ padded with spaces before its end is not the test; a 128-byte unknown word gives EUNKNOWN.
      await expectErr(c, "Z".repeat(128), "EUNKNOWN");
      return "129 B and 10 KB lines: one ERR E2BIG each, the rest discarded, the connection lives on; 128 B is a line";
    });
  },
};

const pipelined: Check = {
  name: "line.pipelined",
  async run(ctx) {
    return withClient(ctx, async (c) => {
      await c.reader.write("READ\n".repeat(10));
      const seqs: number[] = [];
      for (let i = 0; i < 10; i++) {
        const r = await c.next();
        expect(r.startsWith("OK "), `reply ${i + 1} of 10 pipelined READs: ${JSON.stringify(r)}`);
        seqs.push(parseSample(r.slice(3)).seq);
      }
      expect(seqs.join(",") === "1,2,3,4,5,6,7,8,9,10", `pipelined READs gave seq ${seqs.join(",")}`);
      // One byte per packet.
      for (const ch of "STATUS\r\n") {
        await c.reader.write(ch);
        await sleep(3);
      }
      const r = await c.next();
      expect(r.startsWith("OK uptime="), `STATUS sent byte by byte answered ${JSON.stringify(r)}`);
      return "10 commands in one packet answered in order (seq 1..10); a command one byte per packet understood";
    });
  },
};

const quit: Check = {
  name: "line.quit",
  async run(ctx) {
    const c = await LineClient.connect(lineEndpoint(ctx));
    try {
      const r = await c.command("QUIT");
      expect(r === "OK bye", `QUIT answered ${JSON.stringify(r)}, want "OK bye"`);
      expect(await c.reader.closed(2000), "the device did not close after OK bye");
      return "OK bye, then the device closed";
    } finally {
      c.close();
    }
  },
};

export const lineChecks: Check[] = [greeting, help, status, clients, read, led, caseInsensitive, endings, errors, e2big, pipelined, quit];

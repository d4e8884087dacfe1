/*
 * FETCH against an HTTP server the harness runs on this machine, the control token (line
 * protocol and HTTP), and the socket limit: clients opened until one is refused (`ERR EBUSY`,
 * HTTP 503 with Retry-After, or a close), at least 3 served at once, and service after.
 */
import { startFetchServer, NOT_FOUND_BODY } from "../fetch-server.ts";
import { buildRequest, httpGet, httpRaw, responseProblems } from "../http-client.ts";
import { errCode, LineClient } from "../line-client.ts";
import { clientSockets, freePort } from "../target.ts";
import { Reader, sleep } from "../tcp.ts";
import { type Check, CheckSkip, expect, fail } from "./context.ts";
import { authed, lineEndpoint, withClient } from "./line.ts";

const fetchCheck: Check = {
  name: "line.fetch",
  async run(ctx) {
    const server = await startFetchServer(ctx.target.local ? "127.0.0.1" : "0.0.0.0");
    const c = await authed(ctx);
    try {
      const base = `http://${ctx.hostIp}:${server.port}`;
      const r1 = await c.command(`FETCH ${base}/harness/hello`, 15000);
      expect(r1 === "OK status=200 bytes=1234", `FETCH of a 1234-byte page answered ${JSON.stringify(r1)}, want "OK status=200 bytes=1234"`);
      const seen = server.requests.find((q) => q.url === "/harness/hello");
      expect(seen && seen.method === "GET", `the harness's server saw no GET /harness/hello (saw ${server.requests.map((q) => q.method + " " + q.url).join(", ") || "nothing"})`);
      const r2 = await c.command(`FETCH ${base}/harness/missing`, 15000);
      const want2 = `OK status=404 bytes=${Buffer.byteLength(NOT_FOUND_BODY)}`;
      expect(r2 === want2, `FETCH of a missing page answered ${JSON.stringify(r2)}, want "${want2}"`);
      const r3 = await c.command(`FETCH ${base}/harness/empty`, 15000);
      expect(r3 === "OK status=200 bytes=0", `FETCH of an empty page answered ${JSON.stringify(r3)}`);
      const closed = await freePort();
      const r4 = await c.command(`FETCH http://${ctx.hostIp}:${closed}/`, 15000);
      expect(errCode(r4) === "ENET", `FETCH of a closed port answered ${JSON.stringify(r4)}, want ERR ENET`);
      const s = await c.command("STATUS");
      expect(s.startsWith("OK uptime="), `after FETCH, STATUS answered ${JSON.stringify(s)}`);
      return `200 with 1234 bytes, 404 with ${Buffer.byteLength(NOT_FOUND_BODY)}, 200 with 0, ENET for a closed port; the GETs reached the harness's server`;
    } finally {
      c.close();
      await server.close();
    }
  },
};

const authLine: Check = {
  name: "line.auth",
  async run(ctx) {
    const token = ctx.target.token;
    if (!token) throw new CheckSkip("the target has no control token here (pass --token or ESPFW_TOKEN to check it)");
    return withClient(ctx, async (c) => {
      for (const cmd of ["LED TOGGLE", "UDP OFF", `FETCH http://${ctx.hostIp}:9/`]) {
        const r = await c.command(cmd, 5000);
        expect(errCode(r) === "EAUTH", `${cmd} without AUTH answered ${JSON.stringify(r)}, want ERR EAUTH`);
      }
      const bad = await c.command(`AUTH ${token}x`);
      expect(errCode(bad) === "EAUTH", `AUTH with a wrong token answered ${JSON.stringify(bad)}`);
      const still = await c.command("LED TOGGLE");
      expect(errCode(still) === "EAUTH", `after a wrong AUTH, LED answered ${JSON.stringify(still)}`);
      const ok = await c.command(`AUTH ${token}`);
      expect(ok === "OK auth", `AUTH with the token answered ${JSON.stringify(ok)}`);
      const t1 = await c.command("LED TOGGLE");
      expect(/^OK led=[01]$/.test(t1), `after AUTH, LED TOGGLE answered ${JSON.stringify(t1)}`);
      await c.command("LED TOGGLE");
      const seen = c.comments.join("\n") + (await c.command("STATUS")) + (await c.command("HELP")) + c.comments.join("\n");
      expect(seen.indexOf(token) < 0, "the token appears in a reply");
      return "LED, UDP, FETCH refused with EAUTH before AUTH and after a wrong token; allowed after AUTH; the token never echoed";
    });
  },
};

const authHttp: Check = {
  name: "http.auth",
  async run(ctx) {
    const token = ctx.target.token;
    if (!token) throw new CheckSkip("the target has no control token here (pass --token or ESPFW_TOKEN to check it)");
    const ep = ctx.target.endpoint("http");
    const post = (headers: Record<string, string>) => httpRaw(ep, buildRequest("POST", "/api/led", { "Content-Type": "text/plain", ...headers }, "toggle"));
    const none = await post({});
    expect(none.status === 401, `POST /api/led without a token: ${none.status}, want 401`);
    expect(/^Bearer/i.test(none.headers["www-authenticate"] ?? ""), `401 without WWW-Authenticate: Bearer (got ${JSON.stringify(none.headers["www-authenticate"])})`);
    const wrong = await post({ Authorization: `Bearer ${token}x` });
    expect(wrong.status === 401, `POST /api/led with a wrong token: ${wrong.status}, want 401`);
    const right = await post({ Authorization: `Bearer ${token}` });
    expect(right.status === 200, `POST /api/led with the token: ${right.status}, want 200`);
    await post({ Authorization: `Bearer ${token}` });
    for (const path of ["/", "/status", "/api/status", "/setup"]) {
      const r = await httpGet(ep, path);
      expect(r.body.toString("latin1").indexOf(token) < 0, `the token appears in ${path}`);
    }
    return "POST /api/led: 401 with WWW-Authenticate: Bearer without or with a wrong token, 200 with it; the token in no page";
  },
};

const socketLimit: Check = {
  name: "limits.sockets",
  async run(ctx) {
    const ep = lineEndpoint(ctx);
    const held: LineClient[] = [];
    const max = ctx.target.board.socketBudget + 2;
    let refused: "ebusy" | "close" | "served" | "silent" | null = null;
    try {
      for (let i = 0; i < max; i++) {
        const r = await Reader.open(ep).catch(() => null);
        if (r === null) {
          refused = "close";
          break;
        }
        const c = new LineClient(r);
        const first = await c.raw(2000).catch((e: Error) => `(${e.message})`);
        if (first.startsWith("#")) {
          held.push(c);
          continue;
        }
        if (errCode(first) === "EBUSY") {
          refused = (await r.closed(2000)) ? "ebusy" : "served";
        } else {
          refused = r.ended ? "close" : "silent";
        }
        c.close();
        if (refused === "silent" && !first.startsWith("(")) fail(`client ${i + 1} got ${JSON.stringify(first)}, want a greeting or ERR EBUSY`);
        break;
      }
      expect(refused !== null, `${held.length} line clients were all served: no limit below ${max} clients`);
      expect(refused !== "served", "the refused client got ERR EBUSY but the connection stayed open");
      expect(refused !== "silent", "the extra client got neither ERR EBUSY nor a close");
      expect(held.length >= 3, `only ${held.length} clients served at once, docs/PROTOCOL.md wants at least 3`);
      const budget = clientSockets(ctx.target.board);
      // With the budget full, HTTP answers 503 with Retry-After (or closes) and echo closes.
      let http = "close";
      try {
        const res = await httpGet(ctx.target.endpoint("http"), "/api/status", {}, { timeoutMs: 4000 });
        expect(res.status === 503, `GET /api/status with every socket taken: ${res.status}, want 503 or a close`);
        expect(res.headers["retry-after"] !== undefined, "503 without Retry-After");
        const p = responseProblems(res);
        expect(p.length === 0, `the 503: ${p.join("; ")}`);
        http = "503";
      } catch (e) {
        if (!/closed with no response|cannot reach|ECLOSED/.test((e as Error).message)) throw e;
      }
      const echo = await Reader.open(ctx.target.endpoint("echo")).catch(() => null);
      if (echo) {
        await echo.write("ping").catch(() => undefined);
        const got = await echo.bytes(4, 1500).then(() => "served", () => (echo.ended ? "close" : "silent"));
        echo.close();
        expect(got === "close", `echo with every socket taken: ${got === "served" ? "served past the budget" : "neither served nor closed"}`);
      }
      // Freeing one client makes room again.
      held.pop()?.close();
      await sleep(300);
      const again = await LineClient.connect(ep).catch((e: Error) => e);
      expect(again instanceof LineClient, `after a client left, a new one was not served: ${(again as Error).message}`);
      again.close();
      const how = refused === "ebusy" ? "ERR EBUSY then a close" : "a close";
      return { detail: `${held.length + 1} clients served at once (config leaves ${budget}); the next got ${how}; HTTP got ${http}, echo a close; room again after one left`, data: { served: held.length + 1 } };
    } finally {
      for (const c of held) c.close();
      await sleep(300);
    }
  },
};

export const controlChecks: Check[] = [fetchCheck, authLine, authHttp, socketLimit];

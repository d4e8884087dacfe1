/*
 * HTTP conformance (docs/WEB.md, "Routes", "Responses", "Limits"): every route and its answer, the
 * statuses for bad requests (400, 404 HTML vs JSON, 405 with Allow, 413, 414, 431), and what every
 * response must carry: the real reason phrase, Content-Type, a Content-Length equal to the body,
 * Connection: close; HTTP/1.0; ETag and 304; gzip with Vary; pages that link to each other. 408 is
 * in `hostile`.
 */
import { gunzipSync } from "node:zlib";
import { buildRequest, httpGet, httpRaw, type HttpResponse, responseProblems } from "../http-client.ts";
import { parseSample } from "../line-client.ts";
import { Reader, sleep } from "../tcp.ts";
import { type Check, type CheckContext, expect, fail } from "./context.ts";

function ep(ctx: CheckContext) {
  return ctx.target.endpoint("http");
}

function authHeaders(ctx: CheckContext): Record<string, string> {
  return ctx.target.token ? { Authorization: `Bearer ${ctx.target.token}` } : {};
}

/** Fails unless the response has `status` and everything docs/WEB.md, "Responses" asks of every response. */
export function expectResponse(what: string, res: HttpResponse, status: number, type?: string): void {
  expect(res.status === status, `${what}: ${res.status} ${res.reason}, want ${status}`);
  const p = responseProblems(res);
  expect(p.length === 0, `${what}: ${p.join("; ")}`);
  if (type) expect((res.headers["content-type"] ?? "").startsWith(type), `${what}: Content-Type ${res.headers["content-type"]}, want ${type}`);
}

function json(what: string, res: HttpResponse): Record<string, unknown> {
  try {
    return JSON.parse(res.body.toString("utf8")) as Record<string, unknown>;
  } catch {
    fail(`${what}: the body is not JSON: ${JSON.stringify(res.body.subarray(0, 80).toString("latin1"))}`);
  }
}

const pages: Check = {
  name: "http.pages",
  async run(ctx) {
    const sizes: string[] = [];
    for (const path of ["/", "/status", "/about"]) {
      const r = await httpGet(ep(ctx), path);
      expectResponse(`GET ${path}`, r, 200, "text/html");
      expect(r.body.length > 0, `GET ${path}: empty body`);
      sizes.push(`${path} ${r.body.length} B`);
    }
    return `200 text/html, Content-Length, Connection: close: ${sizes.join(", ")}`;
  },
};

const links: Check = {
  name: "http.links",
  async run(ctx) {
    const paths = ["/", "/status", "/about"];
    for (const path of paths) {
      const body = (await httpGet(ep(ctx), path)).body.toString("latin1");
      const others = paths.filter((p) => p !== path && new RegExp(`href=["']${p === "/" ? "/" : p}["'#?]`).test(body));
      expect(others.length > 0, `${path} links to none of ${paths.filter((p) => p !== path).join(", ")}`);
    }
    return "/, /status and /about each link to another page";
  },
};

const statusPage: Check = {
  name: "http.status-page",
  async run(ctx) {
    const body = (await httpGet(ep(ctx), "/status")).body.toString("latin1").toLowerCase();
    const missing = ["uptime", "memory", "ip", "rssi", "led", "a0", "clients"].filter((w) => body.indexOf(w) < 0);
    expect(missing.length === 0, `/status does not show ${missing.join(", ")}`);
    return "/status shows uptime, memory, IP, RSSI, LED, a0 and clients";
  },
};

const apiStatus: Check = {
  name: "http.api.status",
  async run(ctx) {
    const r = await httpGet(ep(ctx), "/api/status");
    expectResponse("GET /api/status", r, 200, "application/json");
    const j = json("/api/status", r);
    const want: Record<string, string> = { name: "string", version: "string", uptime: "number", free: "number", total: "number", led: "number", a0: "number", ip: "string", clients: "number" };
    for (const k of Object.keys(want)) expect(typeof j[k] === want[k], `/api/status ${k}: ${JSON.stringify(j[k])}, want a ${want[k]}`);
    expect(j.rssi === null || typeof j.rssi === "number", `/api/status rssi: ${JSON.stringify(j.rssi)}, want a number or null`);
    expect(typeof j.token === "boolean", `/api/status token: ${JSON.stringify(j.token)}, want true or false (whether a control token is set)`);
    if (ctx.target.kind !== "address") expect(j.token === Boolean(ctx.target.token), `/api/status token ${j.token}, but the harness started the device ${ctx.target.token ? "with" : "without"} one`);
    expect(j.led === 0 || j.led === 1, `/api/status led ${j.led}`);
    expect((j.a0 as number) >= 0 && (j.a0 as number) <= 1023, `/api/status a0 ${j.a0}`);
    expect((j.free as number) <= (j.total as number), `/api/status free ${j.free} over total ${j.total}`);
    if (ctx.target.kind !== "address") expect(j.name === ctx.target.board.deviceName, `/api/status name ${j.name}, board says ${ctx.target.board.deviceName}`);
    return { detail: JSON.stringify(j), data: j };
  },
};

const apiSamples: Check = {
  name: "http.api.samples",
  async run(ctx) {
    const r = await httpGet(ep(ctx), "/api/samples");
    expectResponse("GET /api/samples", r, 200, "application/json");
    const j = json("/api/samples", r);
    expect(JSON.stringify(j.fields) === '["seq","ms","a0","free","led"]', `fields ${JSON.stringify(j.fields)}`);
    const s = j.samples as unknown[];
    expect(Array.isArray(s), "samples is not an array");
    expect(s.length <= 60, `${s.length} samples, at most 60`);
    for (const row of s) {
      expect(Array.isArray(row) && row.length === 5 && row.every((v) => typeof v === "number"), `bad sample row ${JSON.stringify(row)}`);
    }
    const seqs = (s as number[][]).map((x) => x[0]);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i] === seqs[i - 1] + 1, `samples' seq not consecutive: ${seqs.join(",")}`);
    const ms = (s as number[][]).map((x) => x[1]);
    if (ms.length >= 3) {
      const mean = (ms[ms.length - 1] - ms[0]) / (ms.length - 1);
      expect(Math.abs(mean - 1000) <= 150, `history samples ${mean.toFixed(0)} ms apart, want once a second`);
    }
    return `${s.length} samples, seq ${seqs[0] ?? "-"}..${seqs[seqs.length - 1] ?? "-"}, once a second`;
  },
};

const apiLed: Check = {
  name: "http.api.led",
  async run(ctx) {
    const g = await httpGet(ep(ctx), "/api/led");
    expectResponse("GET /api/led", g, 200, "application/json");
    const start = json("/api/led", g).led;
    expect(start === 0 || start === 1, `GET /api/led: ${g.body.toString()}`);
    const post = async (body: string, type = "text/plain") => httpRaw(ep(ctx), buildRequest("POST", "/api/led", { "Content-Type": type, ...authHeaders(ctx) }, body));
    const steps: Array<[string, number]> = [["on", 1], ["off", 0], ["toggle", 1], ['{"led":0}', 0], ['{"led":1}', 1]];
    for (const [body, want] of steps) {
      const r = await post(body, body.startsWith("{") ? "application/json" : "text/plain");
      expectResponse(`POST /api/led ${body}`, r, 200, "application/json");
      expect(json("POST /api/led", r).led === want, `POST /api/led ${body}: ${r.body.toString()}, want led ${want}`);
      const now = json("GET /api/led", await httpGet(ep(ctx), "/api/led")).led;
      expect(now === want, `after POST ${body}, GET /api/led says ${now}`);
    }
    await post(start === 1 ? "on" : "off");
    return "GET and POST on/off/toggle/{led} answer {\"led\":0|1} and agree with each other";
  },
};

const events: Check = {
  name: "http.events",
  async run(ctx) {
    const r = await httpGet(ep(ctx), "/events", {}, { readForMs: 2600 });
    expect(r.status === 200, `GET /events: ${r.status} ${r.reason}`);
    expect((r.headers["content-type"] ?? "").startsWith("text/event-stream"), `GET /events: Content-Type ${r.headers["content-type"]}`);
    const p = responseProblems(r);
    expect(p.length === 0, `GET /events: ${p.join("; ")}`);
    const data = r.body.toString("latin1").split("\n").filter((l) => l.startsWith("data:"));
    expect(data.length >= 1, `no data: line in 2.6 s (got ${JSON.stringify(r.body.subarray(0, 100).toString("latin1"))})`);
    const samples = data.map((l) => parseSample(l.slice(5).trim()));
    for (let i = 1; i < samples.length; i++) expect(samples[i].seq === samples[i - 1].seq + 1, `events' seq not consecutive: ${samples.map((s) => s.seq).join(",")}`);
    return `text/event-stream, ${data.length} data: samples in 2.6 s (seq ${samples.map((s) => s.seq).join(",")})`;
  },
};

const setup: Check = {
  name: "http.setup",
  async run(ctx) {
    const r = await httpGet(ep(ctx), "/setup");
    if (r.status === 401) {
      expect(/^Bearer/i.test(r.headers["www-authenticate"] ?? ""), "401 without WWW-Authenticate: Bearer");
      const a = await httpGet(ep(ctx), "/setup", authHeaders(ctx));
      expectResponse("GET /setup with the token", a, 200, "text/html");
      return "401 without the token, 200 form with it";
    }
    expectResponse("GET /setup", r, 200, "text/html");
    expect(/<form/i.test(r.body.toString("latin1")), "GET /setup has no form");
    return "200 with a form";
  },
};

const notFound: Check = {
  name: "http.404",
  async run(ctx) {
    const a = await httpGet(ep(ctx), "/no-such-page");
    expectResponse("GET /no-such-page", a, 404, "text/html");
    const b = await httpGet(ep(ctx), "/api/no-such-thing");
    expectResponse("GET /api/no-such-thing", b, 404, "application/json");
    json("/api 404", b);
    return "HTML 404 for a page, JSON 404 under /api/";
  },
};

const methodNotAllowed: Check = {
  name: "http.405",
  async run(ctx) {
    const cases: Array<[string, string, string[]]> = [
      ["DELETE", "/", ["GET"]],
      ["POST", "/api/status", ["GET"]],
      ["PUT", "/api/led", ["GET", "POST"]],
    ];
    const seen: string[] = [];
    for (const [m, path, allow] of cases) {
      const r = await httpRaw(ep(ctx), buildRequest(m, path, authHeaders(ctx), m === "GET" ? undefined : ""));
      expectResponse(`${m} ${path}`, r, 405);
      const a = (r.headers["allow"] ?? "").split(",").map((s) => s.trim().toUpperCase());
      const missing = allow.filter((x) => a.indexOf(x) < 0);
      expect(missing.length === 0, `${m} ${path}: Allow "${r.headers["allow"] ?? ""}" lacks ${missing.join(", ")}`);
      seen.push(`${m} ${path} → Allow: ${r.headers["allow"]}`);
    }
    return seen.join("; ");
  },
};

const badRequest: Check = {
  name: "http.400",
  async run(ctx) {
    const cases: Array<[string, string | Buffer]> = [
      ["a request line that is not one", "garbage\r\n\r\n"],
      ["a request line without a version", "GET /\r\nHost: x\r\n\r\n"],
      ["a header line without a colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"],
      ["a bad POST body", buildRequest("POST", "/api/led", { "Content-Type": "text/plain", ...authHeaders(ctx) }, "sideways")],
      ["a bad JSON body", buildRequest("POST", "/api/led", { "Content-Type": "application/json", ...authHeaders(ctx) }, '{"led":7}')],
    ];
    for (const [what, req] of cases) expectResponse(what, await httpRaw(ep(ctx), req), 400);
    return `400 for ${cases.map((c) => c[0]).join(", ")}`;
  },
};

const tooLarge: Check = {
  name: "http.413",
  async run(ctx) {
    const r = await httpRaw(ep(ctx), buildRequest("POST", "/api/led", { "Content-Type": "text/plain", ...authHeaders(ctx) }, "o".repeat(600)));
    expectResponse("a 600-byte body", r, 413);
    return "413 for a 600-byte body";
  },
};

const uriTooLong: Check = {
  name: "http.414",
  async run(ctx) {
    const r = await httpGet(ep(ctx), "/" + "a".repeat(600));
    expectResponse("a 600-byte request target", r, 414);
    return "414 for a request line over 512 bytes";
  },
};

const headerTooLarge: Check = {
  name: "http.431",
  async run(ctx) {
    const one = await httpGet(ep(ctx), "/api/status", { "X-Big": "b".repeat(600) });
    expectResponse("a 600-byte header line", one, 431);
    const many: Record<string, string> = {};
    for (let i = 0; i < 90; i++) many[`X-H${i}`] = "v".repeat(50);
    const r = await httpGet(ep(ctx), "/api/status", many);
    expectResponse("90 header lines, about 5 KB of head", r, 431);
    return "431 for a header line over 512 bytes and for a head over 4 KB";
  },
};

const http10: Check = {
  name: "http.1.0",
  async run(ctx) {
    const r = await httpRaw(ep(ctx), "GET /api/status HTTP/1.0\r\n\r\n");
    expectResponse("GET /api/status HTTP/1.0", r, 200, "application/json");
    const p = await httpRaw(ep(ctx), "GET /about HTTP/1.0\r\n\r\n");
    expectResponse("GET /about HTTP/1.0", p, 200, "text/html");
    return "HTTP/1.0 requests answered the same way (200, Content-Length, Connection: close)";
  },
};

const splits: Check = {
  name: "http.splits",
  async run(ctx) {
    // The same request one byte per packet, and in random pieces.
    const req = buildRequest("GET", "/api/status", { Accept: "application/json" });
    for (const mode of ["bytes", "random"]) {
      const r = await Reader.open(ep(ctx));
      try {
        for (let i = 0; i < req.length; ) {
          const n = mode === "bytes" ? 1 : 1 + Math.floor(ctx.rng() * 20);
          await r.write(req.subarray(i, i + n));
          i += n;
          await sleep(2);
        }
        const { data, closed } = await r.all(5000);
        const { parseResponse } = await import("../http-client.ts");
        expectResponse(`GET /api/status sent in ${mode === "bytes" ? "single bytes" : "random pieces"}`, parseResponse(data, closed, 0), 200, "application/json");
      } finally {
        r.close();
      }
    }
    return "a request one byte per packet and in random pieces: 200";
  },
};

const cache: Check = {
  name: "http.etag-gzip",
  async run(ctx) {
    const notes: string[] = [];
    for (const path of ["/", "/about"]) {
      const plain = await httpGet(ep(ctx), path);
      expectResponse(`GET ${path}`, plain, 200);
      const etag = plain.headers["etag"];
      expect(etag, `GET ${path}: no ETag`);
      expect(/accept-encoding/i.test(plain.headers["vary"] ?? ""), `GET ${path}: Vary "${plain.headers["vary"] ?? ""}", want Accept-Encoding`);
      const again = await httpGet(ep(ctx), path, { "If-None-Match": etag });
      expect(again.status === 304, `GET ${path} with If-None-Match: ${etag}: ${again.status}, want 304`);
      expect(again.body.length === 0, `304 with a ${again.body.length}-byte body`);
      expect(again.reason === "Not Modified", `304 reason "${again.reason}"`);
      expect((again.headers["connection"] ?? "").toLowerCase() === "close", "304 without Connection: close");
      // At once after a 304, on a new connection, an ETag that matches nothing gets the page: no
      // state of the 304's connection may leak into the next one (three rounds, as it was reported).
      for (let round = 1; round <= 3; round++) {
        const other = await httpGet(ep(ctx), path, { "If-None-Match": '"x"' });
        expect(other.status === 200, `GET ${path} with If-None-Match: "x" right after a 304 (round ${round}): ${other.status}, want 200`);
        if (round < 3) await httpGet(ep(ctx), path, { "If-None-Match": etag });
      }
      const gz = await httpGet(ep(ctx), path, { "Accept-Encoding": "gzip, deflate" });
      expectResponse(`GET ${path} gzip`, gz, 200);
      expect(gz.headers["content-encoding"] === "gzip", `GET ${path} accepting gzip: Content-Encoding ${gz.headers["content-encoding"] ?? "(none)"}`);
      expect(/accept-encoding/i.test(gz.headers["vary"] ?? ""), `GET ${path} gzip: no Vary: Accept-Encoding`);
      let unzipped: Buffer;
      try {
        unzipped = gunzipSync(gz.body);
      } catch (e) {
        fail(`GET ${path} gzip: the body does not gunzip (${(e as Error).message})`);
      }
      expect(unzipped.equals(plain.body), `GET ${path}: the gzip body unzips to ${unzipped.length} bytes, the plain one has ${plain.body.length}`);
      const gzTag = gz.headers["etag"];
      expect(gzTag && gzTag !== etag, `GET ${path}: gzip and plain share the ETag ${etag} (one per representation)`);
      const gz304 = await httpGet(ep(ctx), path, { "Accept-Encoding": "gzip", "If-None-Match": gzTag });
      expect(gz304.status === 304, `GET ${path} gzip with its If-None-Match: ${gz304.status}, want 304`);
      notes.push(`${path} ${plain.body.length} B → ${gz.body.length} B gzip`);
    }
    return `ETag per representation, 304 on If-None-Match, gzip with Vary: ${notes.join(", ")}`;
  },
};

export const httpChecks: Check[] = [pages, links, statusPage, apiStatus, apiSamples, apiLed, events, setup, notFound, methodNotAllowed, badRequest, tooLarge, uriTooLong, headerTooLarge, http10, splits, cache];

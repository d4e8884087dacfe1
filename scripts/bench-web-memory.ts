/*
 * `npx tsx scripts/bench-web-memory.ts [--entry firmware/main/linux-web-bench.ts]`: what the web server costs in variables on Espruino's
 * real Linux interpreter (ESPRUINO_BIN, built with 1600 variables). Builds
 * firmware/main/linux-web-bench.ts (the web server alone, loaded for its first client and dropped
 * after its last, as on the device), boots it from Storage with the web files beside it (run
 * `npm run build` first) and prints `process.memory().free` after boot, with the module held and
 * no client (its load cost), with 1 and 3 idle HTTP connections, the lowest free during a GET of
 * each page (the module loaded by that request, as on the device; the entry's 5 ms timer keeps
 * the lowest count after a garbage collection, between events; with the module held, also right
 * after each socket write, inside the request's handling), during an open /events stream, and after all
 * closed. Uses the linux board's fixed ports (8080, 2323): run it in a private network namespace
 * when others may run an interpreter. Figures, no verdict.
 */
import { mkdtempSync } from "node:fs";
import type { Socket } from "node:net";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootFromStorage, buildEntry, exchange, hold, storageFiles } from "./measure-memory.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PORT = 8080;

async function main(): Promise<void> {
  const bin = process.env.ESPRUINO_BIN;
  if (!bin) {
    process.stderr.write("bench-web-memory: set ESPRUINO_BIN to Espruino's Linux interpreter built with 1600 variables\n");
    process.exit(2);
  }
  const at = process.argv.indexOf("--entry");
  const entry = at > 0 ? process.argv[at + 1] : "firmware/main/linux-web-bench.ts";
  const file = join(mkdtempSync(join(tmpdir(), "bench-web-")), "bundle.js");
  const bytes = await buildEntry(entry, file);
  const b = await bootFromStorage(bin, file, storageFiles());
  const line = (what: string, free: number, note = "") => process.stdout.write(`${what.padEnd(46)} ${String(free).padStart(5)}${note}\n`);
  try {
    process.stdout.write(`bundle ${entry}: ${bytes} bytes\n`);
    await sleep(500);
    const boot = await b.free();
    line("free after boot (web module not loaded)", boot);
    await b.ask("webHold(true)");
    const loaded = await b.free();
    line("module loaded and handler made, no client", loaded, `  (load cost ${boot - loaded})`);
    await b.ask("webHold(false)");
    line("module dropped", await b.free());

    const one = await hold(PORT);
    await sleep(300);
    const f1 = await b.free();
    line("1 idle HTTP connection (module loaded by it)", f1, `  (${boot - f1} below boot)`);
    const more = [await hold(PORT), await hold(PORT)];
    await sleep(300);
    const f3 = await b.free();
    line("3 idle HTTP connections", f3, `  (${Math.round((f1 - f3) / 2)} per further connection)`);
    for (const s of [one, ...more]) s.destroy();
    await sleep(800);
    line("all closed", await b.free());

    const page = async (path: string, head = "") => {
      await b.ask("(M=9999)");
      const r = await exchange(PORT, `GET ${path} HTTP/1.1\r\nHost: x\r\n${head}\r\n`);
      await sleep(300);
      const low = Number(await b.ask("M"));
      const after = await b.free();
      line(`GET ${path}${head ? " (" + head.trim() + ")" : ""}: ${r.split("\r\n")[0].slice(9)}, ${r.length} B`, low, `  lowest (${boot - low} below boot), ${after} after`);
    };
    for (const p of ["/", "/status", "/about", "/api/status", "/api/samples", "/api/led", "/setup", "/nope", "/api/nope"]) await page(p);
    await page("/", "Accept-Encoding: gzip\r\n");

    // /events held open for two samples.
    await b.ask("(M=9999)");
    let got = "";
    const ev: Socket = connect(PORT, "127.0.0.1", () => ev.write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
    ev.on("data", (d: Buffer) => (got += d.toString("latin1")));
    ev.on("error", () => {});
    await sleep(2500);
    const fe = await b.free();
    const lowE = Number(await b.ask("M"));
    line(`/events open (${(got.match(/^data:/gm) ?? []).length} samples so far)`, fe, `  (${boot - fe} below boot), lowest ${lowE}`);
    ev.destroy();
    await sleep(800);

    // POST /api/led and a request of each kind with the module held (request cost alone).
    await b.ask("(M=9999)");
    const post = await exchange(PORT, "POST /api/led HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\ntoggle");
    await sleep(300);
    line(`POST /api/led: ${post.split("\r\n")[0].slice(9)}`, Number(await b.ask("M")), "  lowest");
    await b.ask("webHold(true)");
    const heldFree = await b.free();
    line("module held again", heldFree);
    for (const p of ["/", "/status", "/api/status", "/api/samples"]) {
      await b.ask("(M=9999)");
      await exchange(PORT, `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`);
      await sleep(300);
      const low = Number(await b.ask("M"));
      line(`  held: GET ${p}`, low, `  lowest (${heldFree - low} for the request alone)`);
    }
    // The same, also measured right after each write (the peak inside a request's handling).
    await b.ask("webPeek(true)");
    for (const p of ["/", "/status", "/api/status", "/api/samples"]) {
      await b.ask("(M=9999)");
      const r = await exchange(PORT, `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`);
      await sleep(300);
      const low = Number(await b.ask("M"));
      line(`  held: GET ${p}, at each write: ${r.split("\r\n")[0].slice(9)}, ${r.length} B`, low, `  lowest (${heldFree - low} for the request alone)`);
    }
    await b.ask("webPeek(false)");
    await b.ask("webHold(false)");
    await sleep(300);
    line("all closed, module dropped", await b.free());
    const tail = b.out().split("\u001b[J").join("").replace(/[^ -~\n]/g, "");
    if (/ASSERT|MEMORY|Uncaught|ERROR/.test(tail)) process.stdout.write("console:\n" + tail.slice(-1500) + "\n");
  } finally {
    b.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench-web-memory: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);

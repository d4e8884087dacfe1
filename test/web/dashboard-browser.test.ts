/*
 * The dashboard in headless Chromium (Debian's `chromium` driven by playwright-core) against the
 * simulator: the values change by themselves, the LED switch lights the simulator's LED, and a
 * screenshot is kept as artifacts/dashboard.png. Without /usr/bin/chromium (install it with
 * scripts/install-system-deps.sh) the test fails and says so; it is never counted as passed.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { startWebSim, type WebSim } from "./sim-rig.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = "artifacts";

/** Waits until the LED switch shows `on` (the page's own state, from the device's answer). */
function ledShows(page: Page, on: boolean): Promise<unknown> {
  return page.waitForFunction(`document.getElementById("led").getAttribute("aria-checked") === "${on}"`, null, { timeout: 5000 });
}

describe("dashboard in headless Chromium", () => {
  let w: WebSim;
  let browser: BrowserContext;
  let page: Page;
  let profile: string;
  const errors: string[] = [];

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/install-system-deps.sh as root`);
    w = await startWebSim();
    profile = mkdtempSync(join(tmpdir(), "chromium-profile-"));
    // A fresh profile folder: playwright passes it as --user-data-dir.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 900, height: 700 },
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
      ],
    });
    page = await browser.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("requestfailed", (r) => {
      if (!r.url().endsWith("/events")) errors.push(`request failed: ${r.url()}`);
    });
    await page.goto(w.base + "/", { waitUntil: "load" });
  });

  after(async () => {
    await browser?.close();
    await w?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  test("the dashboard shows the device's name and values that change by themselves", async () => {
    await page.waitForFunction(`document.getElementById("name").textContent === "espruino-sim"`, null, { timeout: 5000 });
    await page.waitForFunction(`/^\\d+$/.test(document.getElementById("seq").textContent)`, null, { timeout: 5000 });
    const first = Number(await page.textContent("#seq"));
    await page.waitForFunction(`Number(document.getElementById("seq").textContent) >= ${first + 2}`, null, { timeout: 6000 });
    assert.match((await page.textContent("#a0")) ?? "", /^\d+$/);
    const points = (await page.getAttribute("#line", "points")) ?? "";
    assert.ok(points.split(" ").length >= 2, `chart has ${points}`);
    // Every point inside the chart's plot area (x 48..632, y 10..190 of its viewBox).
    for (const p of points.split(" ")) {
      const [x, y] = p.split(",").map(Number);
      assert.ok(x >= 48 && x <= 632 && y >= 10 && y <= 190, p);
    }
  });

  test("the dashboard says what it shows: the network, the chart's scale and time, the units", async () => {
    await page.waitForFunction(`document.getElementById("ip").textContent !== "-"`, null, { timeout: 5000 });
    assert.match((await page.textContent("#ip")) ?? "", /^\d+\.\d+\.\d+\.\d+$/);
    assert.match((await page.textContent("#wifi")) ?? "", /^(connected|own access point)$/);
    assert.match((await page.textContent("#rssi")) ?? "", /^(-\d+ dBm|none)$/);
    // This simulator has no control token: the page says the device is open.
    assert.equal(await page.textContent("#ctl"), "open to anyone on the network");
    const axis = await page.$$eval("svg .ax text", (ts) => ts.map((t) => t.textContent));
    assert.deepEqual(axis, ["1023", "512", "0", "60 s ago", "30 s ago", "now"]);
    assert.match((await page.textContent("figcaption")) ?? "", /ADC counts/);
    assert.match((await page.textContent("#up")) ?? "", /^(\d+h )?(\d+m )?\d+s$/);
  });

  test("clicking the LED switch lights the simulator's LED, and again puts it out", async () => {
    assert.equal(w.sim.led().on, false);
    await page.click("#led");
    await ledShows(page, true);
    assert.equal(w.sim.led().on, true);
    await page.click("#led");
    await ledShows(page, false);
    assert.equal(w.sim.led().on, false);
  });

  test("the page loaded nothing from outside the device and threw no error", async () => {
    assert.deepEqual(errors, []);
  });

  test("a screenshot of the dashboard is kept in artifacts/", async () => {
    await page.click("#led");
    await ledShows(page, true);
    // A few more seconds of samples, so that the chart shows a line.
    await page.waitForFunction(`Number(document.getElementById("seq").textContent) >= 8`, null, { timeout: 10000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, "dashboard.png");
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(existsSync(file));
  });

  test("the Wi-Fi setup page offers the networks the device's radio sees", async () => {
    await page.goto(w.base + "/setup", { waitUntil: "load" });
    await page.waitForFunction(`document.getElementById("scan").textContent.indexOf("Looking") !== 0`, null, { timeout: 10000 });
    assert.match((await page.textContent("#scan")) ?? "", /^Seen: /);
    const options = await page.$$eval("#nets option", (os) => os.map((o) => o.getAttribute("value")));
    assert.ok(options.length > 0, "no network offered");
    assert.deepEqual(errors, []);
  });
});

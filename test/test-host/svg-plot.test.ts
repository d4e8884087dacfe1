/* The SVG chart of `collect --plot`. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { niceTicks, renderLineChart } from "../../test-host/svg-plot.ts";

function tagsBalanced(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-z]+)[^>]*?(\/?)>/g)) {
    if (m[3] === "/") continue;
    if (m[1] === "") stack.push(m[2]);
    else if (stack.pop() !== m[2]) return false;
  }
  return stack.length === 0;
}

test("renderLineChart draws one panel and one path per series in a standalone, balanced SVG", () => {
  const svg = renderLineChart({
    title: "t",
    xLabel: "s",
    series: [
      { name: "a0", points: [[0, 1], [1, 3], [2, 2]] },
      { name: "free", points: [[0, 1200], [2, 1190]] },
    ],
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((svg.match(/<path /g) ?? []).length, 2);
  assert.equal((svg.match(/class="panel"/g) ?? []).length, 2);
  assert.ok(tagsBalanced(svg));
});

test("renderLineChart maps the smallest x to the left edge and the largest to the right", () => {
  const svg = renderLineChart({ title: "t", xLabel: "s", width: 500, series: [{ name: "a", points: [[10, 0], [20, 1]] }] });
  const d = /<path d="M([0-9.]+),[0-9.]+ L([0-9.]+),/.exec(svg);
  assert.ok(d);
  assert.equal(Number(d[1]), 70);
  assert.equal(Number(d[2]), 480);
});

test("renderLineChart escapes text and skips points that are not finite", () => {
  const svg = renderLineChart({ title: "a<b & \"c\"", xLabel: "x", series: [{ name: "n", points: [[0, 1], [1, NaN], [2, 3]] }] });
  assert.ok(svg.includes("a&lt;b &amp; &quot;c&quot;"));
  assert.ok(!svg.includes("NaN"));
  assert.equal((/<path d="([^"]*)"/.exec(svg)?.[1].match(/[ML]/g) ?? []).length, 2);
});

test("renderLineChart says 'no data' for an empty series instead of drawing a path", () => {
  const svg = renderLineChart({ title: "t", xLabel: "x", series: [{ name: "n", points: [] }] });
  assert.ok(svg.includes("no data"));
  assert.ok(!svg.includes("<path"));
  assert.ok(tagsBalanced(svg));
});

test("niceTicks gives round steps covering the range", () => {
  assert.deepEqual(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0.3, 3.1, 3), [1, 2, 3]);
  assert.deepEqual(niceTicks(5, 5, 4), [5]);
});

test("niceTicks gives whole numbers only for a whole-number series", () => {
  assert.deepEqual(niceTicks(1240, 1241, 4, true), [1240, 1241]);
  assert.deepEqual(niceTicks(-0.2, 1.2, 4, true), [0, 1]);
  assert.ok(niceTicks(0.2, 1.9, 4).some((t) => !Number.isInteger(t)), "fractions where the values have them");
});

test("a panel's y range has headroom and ends on ticks: the line stays inside its frame, with at least two labelled ticks", () => {
  const points: Array<[number, number]> = [[0, 1240], [1, 1241], [2, 1240], [3, 1241]];
  const svg = renderLineChart({ title: "t", xLabel: "s", panelHeight: 180, series: [{ name: "free", unit: "variables", integer: true, points }] });
  const ys = [...(/<path d="([^"]*)"/.exec(svg)?.[1] ?? "").matchAll(/[ML][0-9.]+,([0-9.]+)/g)].map((m) => Number(m[1]));
  assert.equal(ys.length, 4);
  // The panel's frame is y 40..220: no point on or past it.
  assert.ok(ys.every((y) => y > 40 && y < 220), ys.join(","));
  const labels = [...svg.matchAll(/text-anchor="end" dominant-baseline="middle">([^<]+)</g)].map((m) => Number(m[1]));
  assert.ok(labels.length >= 2, labels.join(","));
  assert.ok(labels.every((l) => Number.isInteger(l)), labels.join(","));
  assert.ok(svg.includes("free (variables)"), "the unit beside the name");
});

/*
 * A dependency-free SVG line chart for `collect --plot` and `fleet --plot`: one panel per series, stacked, sharing
 * the x axis (seconds of device uptime), each with its own y range, ticks and labels. A y range
 * has headroom and ends on ticks, so no line touches or leaves its frame; a series of whole
 * numbers gets whole-number ticks; each panel names its unit. Points that are not finite
 * numbers are skipped. The output is a standalone file a browser opens. A panel may hold several
 * lines (`lines`: one per device in `fleet --plot`), each in its own colour, named in the legend
 * under the title (`legend`).
 */

export interface PlotSeries {
  name: string;
  /** Colour of the line (any SVG colour). */
  color?: string;
  points: Array<[number, number]>;
  /** Fixed y range (default: the data's range with headroom, its ends on ticks). */
  range?: [number, number];
  /** The values are whole numbers: no tick between two of them. */
  integer?: boolean;
  /** What the values count, shown beside the name (e.g. "variables"). */
  unit?: string;
  /** Several lines in this panel (then `points` is ignored), each with its own colour; one y range for all. */
  lines?: PlotLine[];
}

export interface PlotLine {
  name: string;
  color: string;
  points: Array<[number, number]>;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  series: PlotSeries[];
  width?: number;
  panelHeight?: number;
  /** Names and colours listed under the title (the lines of a multi-line panel). */
  legend?: Array<{ name: string; color: string }>;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** `n` colours far apart on the hue wheel, dark enough to read on white. */
export function palette(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `hsl(${Math.round((i * 360) / Math.max(1, n))},70%,${i % 2 ? 32 : 42}%)`);
}

function fmt(n: number): string {
  return String(Number(n.toFixed(Math.abs(n) < 10 ? 2 : 1)));
}

/** A "nice" step (1, 2 or 5 times a power of ten) for about `count` steps over [lo, hi]; at least 1 for whole numbers. */
function niceStep(lo: number, hi: number, count: number, integer: boolean): number {
  const raw = (hi - lo) / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  return integer ? Math.max(1, Math.round(step)) : step;
}

/** Evenly spaced "nice" tick values within [lo, hi] (whole numbers only when `integer`). */
export function niceTicks(lo: number, hi: number, count: number, integer = false): number[] {
  if (!(hi > lo)) return [lo];
  const step = niceStep(lo, hi, count, integer);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** A y range for `values`: 5% headroom each side, then widened to the ticks around it (at least two). */
export function niceRange(values: number[], count: number, integer = false): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const pad = (hi - lo) * 0.05;
  const step = niceStep(lo - pad, hi + pad, count, integer);
  return [Math.floor((lo - pad) / step) * step, Math.ceil((hi + pad) / step) * step];
}

export function renderLineChart(opts: PlotOptions): string {
  const width = opts.width ?? 900;
  const panelH = opts.panelHeight ?? 180;
  const left = 70;
  const right = 20;
  const gap = 40;
  const plotW = width - left - right;
  const finite = (pts: Array<[number, number]>): Array<[number, number]> => pts.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
  const series = opts.series.map((s) => ({ ...s, points: finite(s.points), lines: s.lines?.map((l) => ({ ...l, points: finite(l.points) })) }));
  const drawn = (s: (typeof series)[number]): Array<Array<[number, number]>> => (s.lines ? s.lines.map((l) => l.points) : [s.points]);
  const allX = series.flatMap((s) => drawn(s).flatMap((pts) => pts.map((p) => p[0])));
  let x0 = 0;
  let x1 = 1;
  if (allX.length) {
    // A loop, not Math.min(...allX): a long run's points would overflow the call's arguments.
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of allX) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    x0 = lo;
    x1 = hi === lo ? lo + 1 : hi;
  }
  // The legend: names in their colours, wrapped at the width, about 7 px a character.
  const legend = opts.legend ?? [];
  const legendRows: Array<Array<{ name: string; color: string; x: number }>> = [];
  let row: Array<{ name: string; color: string; x: number }> = [];
  let lx = left;
  for (const item of legend) {
    const w = 18 + item.name.length * 7 + 12;
    if (row.length > 0 && lx + w > width - right) {
      legendRows.push(row);
      row = [];
      lx = left;
    }
    row.push({ ...item, x: lx });
    lx += w;
  }
  if (row.length) legendRows.push(row);
  const top = 40 + legendRows.length * 18;
  const height = top + series.length * (panelH + gap) + 20;
  const sx = (x: number): number => left + ((x - x0) / (x1 - x0)) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="16">${escapeXml(opts.title)}</text>`);
  legendRows.forEach((r, k) => {
    const y = 40 + k * 18;
    out.push(`<g class="legend">`);
    for (const it of r) {
      out.push(`<line x1="${it.x}" y1="${y - 4}" x2="${it.x + 14}" y2="${y - 4}" stroke="${escapeXml(it.color)}" stroke-width="3"/>`);
      out.push(`<text x="${it.x + 18}" y="${y}" fill="${escapeXml(it.color)}">${escapeXml(it.name)}</text>`);
    }
    out.push(`</g>`);
  });
  series.forEach((s, i) => {
    const color = s.color ?? COLORS[i % COLORS.length];
    const py = top + i * (panelH + gap);
    const [y0, y1] = s.range ?? niceRange(drawn(s).flatMap((pts) => pts.map((p) => p[1])), 4, s.integer === true);
    const sy = (y: number): number => py + panelH - ((y - y0) / (y1 - y0)) * panelH;
    out.push(`<g class="panel" data-series="${escapeXml(s.name)}">`);
    out.push(`<rect x="${left}" y="${py}" width="${plotW}" height="${panelH}" fill="none" stroke="#999"/>`);
    for (const t of niceTicks(y0, y1, 4, s.integer === true)) {
      const y = sy(t).toFixed(1);
      out.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#eee"/>`);
      out.push(`<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
    }
    for (const t of niceTicks(x0, x1, 8)) {
      const x = sx(t).toFixed(1);
      out.push(`<line x1="${x}" y1="${py + panelH}" x2="${x}" y2="${py + panelH + 4}" stroke="#999"/>`);
      out.push(`<text x="${x}" y="${py + panelH + 16}" text-anchor="middle">${fmt(t)}</text>`);
    }
    out.push(`<text x="${left + 6}" y="${py + 14}" fill="${s.lines ? "#333" : color}" font-weight="bold">${escapeXml(s.name + (s.unit ? " (" + s.unit + ")" : ""))}</text>`);
    const paths = s.lines ?? [{ name: s.name, color, points: s.points }];
    let any = false;
    for (const l of paths) {
      if (l.points.length === 0) continue;
      any = true;
      const d = l.points.map((p, k) => `${k === 0 ? "M" : "L"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(" ");
      out.push(`<path d="${d}" fill="none" stroke="${escapeXml(l.color)}" stroke-width="1.5"${s.lines ? ` data-line="${escapeXml(l.name)}"` : ""}/>`);
    }
    if (!any) out.push(`<text x="${left + plotW / 2}" y="${py + panelH / 2}" text-anchor="middle" fill="#999">no data</text>`);
    out.push(`</g>`);
  });
  out.push(`<text x="${left + plotW / 2}" y="${height - 4}" text-anchor="middle">${escapeXml(opts.xLabel)}</text>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/**
 * A dependency-free SVG line chart of the shoot-out: training loss by step (log scale) and test
 * accuracy by epoch, one colour per optimizer.
 *
 * @packageDocumentation
 */
import type { ShootoutResult } from './shootout.js';

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

interface Panel {
  x: number;
  y: number;
  width: number;
  height: number;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-12; t += step) ticks.push(+t.toPrecision(12));
  return ticks;
}

function lineChart(
  panel: Panel,
  title: string,
  xLabel: string,
  series: { name: string; points: [number, number][] }[],
  yTransform: (y: number) => number,
  yLabelOf: (y: number) => string,
  yTicks: number[],
): string {
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => yTransform(p[1])).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const tickYs = yTicks.map(yTransform);
  const [y0, y1] = [Math.min(...ys, ...tickYs), Math.max(...ys, ...tickYs)];
  const sx = (x: number) => panel.x + ((x - x0) / (x1 - x0 || 1)) * panel.width;
  const sy = (y: number) => panel.y + panel.height - ((yTransform(y) - y0) / (y1 - y0 || 1)) * panel.height;
  const out: string[] = [];
  out.push(`<text x="${panel.x + panel.width / 2}" y="${panel.y - 12}" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`);
  out.push(`<rect x="${panel.x}" y="${panel.y}" width="${panel.width}" height="${panel.height}" fill="none" stroke="#999"/>`);
  for (const t of yTicks) {
    const y = sy(t);
    out.push(`<line x1="${panel.x}" x2="${panel.x + panel.width}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${panel.x - 6}" y="${y + 4}" text-anchor="end" font-size="11">${escapeXml(yLabelOf(t))}</text>`);
  }
  for (const t of niceTicks(x0, x1, 5)) {
    const x = sx(t);
    out.push(`<text x="${x}" y="${panel.y + panel.height + 16}" text-anchor="middle" font-size="11">${t}</text>`);
  }
  out.push(`<text x="${panel.x + panel.width / 2}" y="${panel.y + panel.height + 34}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(yTransform(p[1]))).map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`);
    const colour = COLOURS[i % COLOURS.length];
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.8" points="${pts.join(' ')}"><title>${escapeXml(s.name)}</title></polyline>`);
    if (s.points.length <= 20) for (const p of pts) out.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="2.5" fill="${colour}"/>`);
  });
  return out.join('\n');
}

/** 1-2-5 ticks spanning the observed losses. */
function lossTicks(losses: number[]): number[] {
  const finite = losses.filter((l) => Number.isFinite(l) && l > 0);
  if (finite.length === 0) return [1];
  const [lo, hi] = [Math.min(...finite), Math.max(...finite)];
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= lo / 1.2 && t <= hi * 1.2) ticks.push(+t.toPrecision(3));
    }
  }
  return ticks.length > 0 ? ticks : [+lo.toPrecision(2)];
}

/** The SVG document for a shoot-out's results. */
export function shootoutSvg(results: ShootoutResult[], subtitle: string): string {
  const width = 980;
  const height = 440;
  const loss = lineChart(
    { x: 70, y: 50, width: 380, height: 300 },
    'training loss (log scale)',
    'step',
    results.map((r) => ({ name: r.optimizer, points: r.lossCurve.map((p) => [p.step, p.loss] as [number, number]) })),
    (y) => Math.log10(Math.max(y, 1e-6)),
    (y) => (y >= 0.1 ? y.toFixed(1) : y.toExponential(0)),
    lossTicks(results.flatMap((r) => r.lossCurve.map((p) => p.loss))),
  );
  const acc = lineChart(
    { x: 540, y: 50, width: 300, height: 300 },
    'test accuracy',
    'epoch',
    results.map((r) => ({ name: r.optimizer, points: [[0, 0.1] as [number, number], ...r.accuracyCurve.map((p) => [p.epoch, p.accuracy] as [number, number])] })),
    (y) => y,
    (y) => `${(y * 100).toFixed(0)}%`,
    [0.2, 0.4, 0.6, 0.8, 1],
  );
  const legend = results
    .map((r, i) => {
      const y = 70 + i * 20;
      return `<rect x="860" y="${y - 9}" width="14" height="4" fill="${COLOURS[i % COLOURS.length]}"/><text x="880" y="${y - 4}" font-size="12">${escapeXml(r.optimizer)}</text>`;
    })
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15">descent optimizer shoot-out — ${escapeXml(subtitle)}</text>`,
    loss,
    acc,
    legend,
    '</svg>',
  ].join('\n');
}

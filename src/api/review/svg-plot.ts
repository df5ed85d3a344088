/**
 * A small server-side SVG line plot for the review page: linear or log axes with readable ticks,
 * series drawn as paths with gaps where data is missing, shaded bands (windows), vertical markers
 * (rollouts, onset) and point markers (quantiles). Every element carries `data-*` attributes naming
 * what it shows, so a browser (or a test) can find a series by name. No scripts, no external assets.
 */

/** One axis. */
export interface AxisSpec {
  readonly min: number;
  readonly max: number;
  readonly log?: boolean;
  readonly label: string;
  readonly format: (value: number) => string;
}

/** A line; `null` y values break it. */
export interface PlotSeries {
  readonly name: string;
  readonly color: string;
  readonly dashed?: boolean;
  readonly width?: number;
  readonly points: readonly (readonly [number, number | null])[];
}

/** A shaded x range. */
export interface PlotBand {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly color: string;
}

/** A vertical line at x. */
export interface PlotMarker {
  readonly name: string;
  readonly x: number;
  readonly color: string;
  readonly label?: string;
  readonly dashed?: boolean;
}

/** A labelled point. */
export interface PlotPoint {
  readonly name: string;
  readonly x: number;
  readonly y: number;
  readonly color: string;
  readonly label: string;
}

export interface LinePlot {
  /** Used as the SVG's accessible name. */
  readonly title: string;
  /** `data-plot` of the SVG (e.g. `distribution`, `timeseries`). */
  readonly kind: string;
  readonly width?: number;
  readonly height?: number;
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  readonly series: readonly PlotSeries[];
  readonly bands?: readonly PlotBand[];
  readonly markers?: readonly PlotMarker[];
  readonly points?: readonly PlotPoint[];
}

const MARGIN = { left: 64, right: 16, top: 28, bottom: 44 };

/** Renders the plot as an SVG element (a string of markup, every text escaped). */
export function renderLinePlot(plot: LinePlot): string {
  const width = plot.width ?? 720;
  const height = plot.height ?? 300;
  const inner = { w: width - MARGIN.left - MARGIN.right, h: height - MARGIN.top - MARGIN.bottom };
  const sx = scale(plot.x, MARGIN.left, MARGIN.left + inner.w);
  const sy = scale(plot.y, MARGIN.top + inner.h, MARGIN.top);
  const clampX = (x: number): number => Math.min(MARGIN.left + inner.w, Math.max(MARGIN.left, sx(x)));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(plot.title)}" data-plot="${esc(plot.kind)}" font-family="system-ui, sans-serif" font-size="11">`);
  parts.push(`<title>${esc(plot.title)}</title>`);
  for (const band of plot.bands ?? []) {
    const x0 = clampX(band.from);
    const x1 = clampX(band.to);
    if (x1 <= x0) continue;
    parts.push(`<rect data-band="${esc(band.name)}" x="${fmt(x0)}" y="${MARGIN.top}" width="${fmt(x1 - x0)}" height="${inner.h}" fill="${band.color}" fill-opacity="0.12"><title>${esc(band.name)}</title></rect>`);
    parts.push(`<text x="${fmt(x0 + 4)}" y="${MARGIN.top + 12}" fill="#555">${esc(band.name)}</text>`);
  }
  parts.push(...axis(plot.x, 'x', sx, MARGIN.top + inner.h, MARGIN.left, MARGIN.left + inner.w));
  parts.push(...axis(plot.y, 'y', sy, MARGIN.left, MARGIN.top + inner.h, MARGIN.top, MARGIN.left + inner.w));
  for (const s of plot.series) {
    const d = pathOf(s.points, plot, sx, sy);
    parts.push(`<path data-series="${esc(s.name)}" data-points="${s.points.filter((p) => p[1] !== null).length}" d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.5}"${s.dashed === true ? ' stroke-dasharray="5 3"' : ''}><title>${esc(s.name)}</title></path>`);
  }
  const shown = (plot.markers ?? []).filter((m) => m.x >= plot.x.min && m.x <= plot.x.max);
  const rows = labelRows(shown.map((m) => ({ x: sx(m.x), text: m.label })));
  shown.forEach((m, i) => {
    const x = fmt(sx(m.x));
    parts.push(`<g data-marker="${esc(m.name)}"><line x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + inner.h}" stroke="${m.color}" stroke-width="1.2"${m.dashed === false ? '' : ' stroke-dasharray="3 3"'}/><title>${esc(m.label ?? m.name)}</title>`);
    const row = rows[i];
    if (m.label !== undefined && row !== undefined && row !== null) parts.push(`<text x="${x}" y="${MARGIN.top - 6 - row * LABEL_ROW_PX}" fill="${m.color}" text-anchor="middle">${esc(m.label)}</text>`);
    parts.push('</g>');
  });
  for (const p of plot.points ?? []) {
    if (!inRange(p.x, plot.x) || !inRange(p.y, plot.y)) continue;
    parts.push(`<g data-point="${esc(p.name)}"><circle cx="${fmt(sx(p.x))}" cy="${fmt(sy(p.y))}" r="3.5" fill="${p.color}"/><title>${esc(p.label)}</title></g>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Height of one row of marker labels above the plot, px (two rows fit in the top margin). */
const LABEL_ROW_PX = 12;
/** Width of one character of the 11 px labels, px (a generous estimate for system-ui). */
const LABEL_CHAR_PX = 6.5;

/**
 * The row of each marker label above the plot (0 nearest the plot, then 1), or null when neither row
 * has room left: markers that coincide in time (a rollout and the onset) get stacked labels instead of
 * overprinted ones; a label that does not fit keeps its text as the marker's tooltip.
 */
export function labelRows(labels: readonly { readonly x: number; readonly text: string | undefined }[]): (number | null)[] {
  const rowEnds = [-Infinity, -Infinity];
  const rows: (number | null)[] = labels.map(() => null);
  const order = labels.map((l, i) => i).sort((a, b) => (labels[a]?.x ?? 0) - (labels[b]?.x ?? 0));
  for (const i of order) {
    const label = labels[i];
    if (label?.text === undefined) continue;
    const half = (label.text.length * LABEL_CHAR_PX) / 2 + 2;
    const row = rowEnds.findIndex((end) => end <= label.x - half);
    if (row === -1) continue;
    rowEnds[row] = label.x + half;
    rows[i] = row;
  }
  return rows;
}

/** Ticks for an axis: decades (1, 2, 5 within each when few) on a log axis, "nice" steps on a linear one. */
export function ticksOf(axisSpec: AxisSpec, target = 6): number[] {
  if (axisSpec.log === true) {
    const lo = Math.floor(Math.log10(axisSpec.min));
    const hi = Math.ceil(Math.log10(axisSpec.max));
    const steps = hi - lo <= 2 ? [1, 2, 5] : [1];
    const out: number[] = [];
    for (let e = lo; e <= hi; e++) for (const m of steps) out.push(m * 10 ** e);
    return out.filter((v) => v >= axisSpec.min * (1 - 1e-9) && v <= axisSpec.max * (1 + 1e-9));
  }
  const span = axisSpec.max - axisSpec.min;
  if (!(span > 0)) return [axisSpec.min];
  const raw = span / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const out: number[] = [];
  for (let v = Math.ceil(axisSpec.min / step) * step; v <= axisSpec.max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function axis(spec: AxisSpec, which: 'x' | 'y', s: (v: number) => number, at: number, from: number, to: number, gridTo = at): string[] {
  const out: string[] = [];
  if (which === 'x') {
    out.push(`<line x1="${from}" x2="${to}" y1="${at}" y2="${at}" stroke="#888"/>`);
    for (const t of ticksOf(spec)) {
      const x = fmt(s(t));
      out.push(`<line x1="${x}" x2="${x}" y1="${at}" y2="${at + 4}" stroke="#888"/><text x="${x}" y="${at + 16}" text-anchor="middle" fill="#333">${esc(spec.format(t))}</text>`);
    }
    out.push(`<text x="${fmt((from + to) / 2)}" y="${at + 34}" text-anchor="middle" fill="#333">${esc(spec.label)}</text>`);
  } else {
    out.push(`<line x1="${at}" x2="${at}" y1="${to}" y2="${from}" stroke="#888"/>`);
    for (const t of ticksOf(spec)) {
      const y = fmt(s(t));
      out.push(`<line x1="${at - 4}" x2="${at}" y1="${y}" y2="${y}" stroke="#888"/><line x1="${at}" x2="${gridTo}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${at - 6}" y="${y}" dy="0.32em" text-anchor="end" fill="#333">${esc(spec.format(t))}</text>`);
    }
    out.push(`<text transform="translate(${at - 52} ${fmt((from + to) / 2)}) rotate(-90)" text-anchor="middle" fill="#333">${esc(spec.label)}</text>`);
  }
  return out;
}

function scale(spec: AxisSpec, from: number, to: number): (v: number) => number {
  if (spec.log === true) {
    const lo = Math.log(spec.min);
    const span = Math.log(spec.max) - lo || 1;
    return (v) => from + ((Math.log(Math.max(v, spec.min)) - lo) / span) * (to - from);
  }
  const span = spec.max - spec.min || 1;
  return (v) => from + ((v - spec.min) / span) * (to - from);
}

function pathOf(points: PlotSeries['points'], plot: LinePlot, sx: (v: number) => number, sy: (v: number) => number): string {
  const out: string[] = [];
  let pen = false;
  for (const [x, y] of points) {
    if (y === null || !Number.isFinite(y) || !inRange(x, plot.x) || (plot.y.log === true && y <= 0)) {
      pen = false;
      continue;
    }
    const yy = Math.min(Math.max(y, plot.y.min), plot.y.max);
    out.push(`${pen ? 'L' : 'M'}${fmt(sx(x))} ${fmt(sy(yy))}`);
    pen = true;
  }
  return out.join(' ');
}

function inRange(v: number, spec: AxisSpec): boolean {
  return Number.isFinite(v) && v >= spec.min && v <= spec.max;
}

function fmt(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/** Escapes text for SVG/HTML content and attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

import type { MemberTrendResponse } from '../../common/contracts/member-trend';
import { escapeHtml } from './escape-html';

// The trend as inline SVG (no script): the 95 % band of day-to-day variation as a shaded area, the smoothed
// line, and each scan as a dot. Coordinates only; labels are escaped.

export const CHART = { width: 640, height: 240, pad: { left: 44, right: 12, top: 12, bottom: 28 } } as const;

export function trendChartSvg(trend: MemberTrendResponse, title: string): string {
  const { width, height, pad } = CHART;
  const pts = trend.points;
  const head = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="trend-title" class="trend-chart"><title id="trend-title">${escapeHtml(title)}</title>`;
  if (pts.length === 0) return `${head}<text x="${width / 2}" y="${height / 2}" text-anchor="middle">No scans in this window</text></svg>`;
  const times = pts.map((p) => Date.parse(p.takenAt));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const lows = pts.flatMap((p) => [p.band.low, p.value]);
  const highs = pts.flatMap((p) => [p.band.high, p.value]);
  const v0 = Math.floor(Math.min(...lows) - 0.5);
  const v1 = Math.ceil(Math.max(...highs) + 0.5);
  const x = (t: number) =>
    pad.left + (t1 === t0 ? (width - pad.left - pad.right) / 2 : ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right));
  const y = (v: number) => pad.top + (1 - (v - v0) / (v1 - v0)) * (height - pad.top - pad.bottom);
  const n = (v: number) => v.toFixed(1);
  const upper = pts.map((p, i) => `${n(x(times[i] as number))},${n(y(p.band.high))}`);
  const lower = pts.map((p, i) => `${n(x(times[i] as number))},${n(y(p.band.low))}`).reverse();
  const line = pts.map((p, i) => `${n(x(times[i] as number))},${n(y(p.smoothed))}`).join(' ');
  const dots = pts
    .map(
      (p, i) =>
        `<circle class="scan" cx="${n(x(times[i] as number))}" cy="${n(y(p.value))}" r="4"><title>${escapeHtml(`${p.takenAt.slice(0, 10)}: ${p.value.toFixed(1)} ${trend.unit}`)}</title></circle>`,
    )
    .join('');
  const ticks = [v0, (v0 + v1) / 2, v1]
    .map((v) => `<text class="tick" x="${pad.left - 6}" y="${n(y(v) + 4)}" text-anchor="end">${escapeHtml(v.toFixed(1))}</text>`)
    .join('');
  const dates = [
    `<text class="tick" x="${pad.left}" y="${height - 8}">${escapeHtml(new Date(t0).toISOString().slice(0, 10))}</text>`,
    t1 > t0
      ? `<text class="tick" x="${width - pad.right}" y="${height - 8}" text-anchor="end">${escapeHtml(new Date(t1).toISOString().slice(0, 10))}</text>`
      : '',
  ].join('');
  return [
    head,
    `<polygon class="band" points="${[...upper, ...lower].join(' ')}"/>`,
    pts.length > 1 ? `<polyline class="smoothed" fill="none" points="${line}"/>` : '',
    dots,
    ticks,
    dates,
    '</svg>',
  ].join('');
}

import { fixed, h } from './dom';

// Body fat and weight over the member's recent scans, as inline SVG (no chart library): two lines on one
// time axis, body fat scaled on the left, weight on the right; this scan is the last, larger point.
// Colours come from the stylesheet (classes), never inline styles (the page's CSP allows none).

export interface ChartPoint {
  takenAt: string;
  bodyFatPercent: number;
  weightKg: number;
  current?: boolean;
}

const W = 600;
const H = 240;
const M = { top: 16, right: 56, bottom: 36, left: 56 };

function scale(values: number[], pad: number): { lo: number; hi: number } {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = Math.max(hi - lo, pad);
  const mid = (hi + lo) / 2;
  return { lo: mid - span / 2 - span * 0.1, hi: mid + span / 2 + span * 0.1 };
}

export function historyChart(points: ChartPoint[], id: string): HTMLElement {
  if (!points.length) return h('p', { class: 'empty-state' }, 'No earlier scans to chart.');
  const times = points.map((p) => Date.parse(p.takenAt));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const x = (t: number) => M.left + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (W - M.left - M.right);
  const bf = scale(
    points.map((p) => p.bodyFatPercent),
    2,
  );
  const wt = scale(
    points.map((p) => p.weightKg),
    2,
  );
  const y = (v: number, s: { lo: number; hi: number }) => M.top + (1 - (v - s.lo) / (s.hi - s.lo)) * (H - M.top - M.bottom);
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const line = (field: 'bodyFatPercent' | 'weightKg', s: { lo: number; hi: number }) =>
    points.map((p, i) => `${fixed(x(times[i] as number), 1)},${fixed(y(p[field], s), 1)}`).join(' ');

  const first = points[0] as ChartPoint;
  const last = points[points.length - 1] as ChartPoint;
  const summary =
    `${points.length} scans from ${day(t0)} to ${day(t1)}. Body fat ${fixed(first.bodyFatPercent)} % to ${fixed(last.bodyFatPercent)} %, ` +
    `weight ${fixed(first.weightKg)} kg to ${fixed(last.weightKg)} kg; the last point is this scan.`;

  const dots = (field: 'bodyFatPercent' | 'weightKg', s: { lo: number; hi: number }, cls: string) =>
    points.map((p, i) =>
      h(
        'circle',
        {
          class: `${cls}${p.current ? ' current' : ''}`,
          cx: fixed(x(times[i] as number)),
          cy: fixed(y(p[field], s)),
          r: p.current ? 6 : 3.5,
        },
        h(
          'title',
          {},
          `${day(times[i] as number)}: ${field === 'weightKg' ? `${fixed(p.weightKg)} kg` : `${fixed(p.bodyFatPercent)} % body fat`}`,
        ),
      ),
    );

  const svg = h(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-labelledby': `${id}-title ${id}-desc`,
      'data-points': points.length,
    },
    h('title', { id: `${id}-title` }, 'Body fat and weight history'),
    h('desc', { id: `${id}-desc` }, summary),
    h('line', { class: 'axis', x1: M.left, y1: H - M.bottom, x2: W - M.right, y2: H - M.bottom }),
    h('line', { class: 'axis', x1: M.left, y1: M.top, x2: M.left, y2: H - M.bottom }),
    h('line', { class: 'axis', x1: W - M.right, y1: M.top, x2: W - M.right, y2: H - M.bottom }),
    h('text', { class: 'tick bf', x: M.left - 6, y: M.top + 4, 'text-anchor': 'end' }, `${fixed(bf.hi)} %`),
    h('text', { class: 'tick bf', x: M.left - 6, y: H - M.bottom, 'text-anchor': 'end' }, `${fixed(bf.lo)} %`),
    h('text', { class: 'tick wt', x: W - M.right + 6, y: M.top + 4 }, `${fixed(wt.hi)} kg`),
    h('text', { class: 'tick wt', x: W - M.right + 6, y: H - M.bottom }, `${fixed(wt.lo)} kg`),
    h('text', { class: 'tick', x: M.left, y: H - 12 }, day(t0)),
    h('text', { class: 'tick', x: W - M.right, y: H - 12, 'text-anchor': 'end' }, day(t1)),
    h('polyline', { class: 'line bf', points: line('bodyFatPercent', bf) }),
    h('polyline', { class: 'line wt', points: line('weightKg', wt) }),
    ...dots('bodyFatPercent', bf, 'dot bf'),
    ...dots('weightKg', wt, 'dot wt'),
  );
  const legend = h(
    'ul',
    { class: 'legend' },
    h('li', { class: 'bf' }, 'Body fat (%, left axis)'),
    h('li', { class: 'wt' }, 'Weight (kg, right axis)'),
    h('li', { class: 'cur' }, 'Large point: this scan'),
  );
  return h('figure', { class: 'chart-figure' }, svg, legend);
}

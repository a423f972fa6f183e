import { createHash } from 'node:crypto';
import { escapeHtml as e } from './escape-html';
import type { ReportContent } from './report-content';
import { trendChartSvg } from './trend-chart';

// The report page: one HTML document, no script, one inline stylesheet allowed by its hash in the CSP.
// Reads on a phone (single column, fluid chart) and prints (no colours needed, sections don't split).

const STYLE = `
:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45;color:#1b1f24}
body{margin:0 auto;max-width:44rem;padding:1rem}
h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .4rem;border-bottom:1px solid #eaeef2;vertical-align:top}
td.value{font-weight:600;white-space:nowrap}td.range{color:#57606a;white-space:nowrap}
.beyond{font-weight:600}.within{color:#57606a}
.trend-chart{width:100%;height:auto;display:block}.band{fill:#b6d4fe;opacity:.6}.smoothed{stroke:#0a58ca;stroke-width:2}
.scan{fill:#1b1f24}.tick{font-size:11px;fill:#57606a}
.notice{border:1px solid #d0d7de;border-radius:6px;padding:.6rem .8rem;background:#f6f8fa}
ul{padding-left:1.2rem}section{break-inside:avoid}
@media print{body{max-width:none;padding:0}.band{fill:#ccc}.smoothed{stroke:#000}h2{break-after:avoid}}
`;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** No script at all, the one stylesheet by hash, nothing loaded from anywhere, never framed. */
export const REPORT_SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': [
    "default-src 'none'",
    `style-src 'sha256-${STYLE_HASH}'`,
    "img-src 'none'",
    "script-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'private, no-store',
};

const list = (items: string[]) => `<ul>${items.map((i) => `<li>${e(i)}</li>`).join('')}</ul>`;

export function reportHtml(c: ReportContent): string {
  const figures = c.figures
    .map(
      (f) =>
        `<tr data-figure="${e(f.label)}"><th scope="row">${e(f.label)}</th><td class="value">${e(f.value)}</td><td class="range">${
          f.range ? `95 % range ${e(f.range)}` : ''
        }</td></tr>`,
    )
    .join('');
  const changes = c.changes.length
    ? `<ul>${c.changes.map((ch) => `<li class="${ch.beyondNoise ? 'beyond' : 'within'}"><strong>${e(ch.label)}:</strong> ${e(ch.text)}</li>`).join('')}</ul>`
    : '<p>This is your first scan: there is nothing to compare yet.</p>';
  const trendTitle = `Body fat over the last ${c.trend.days} days: scans, smoothed trend and the band of day-to-day variation`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${e(c.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${e(c.title)}</h1>${c.sharedNote ? `<p id="shared-note">${e(c.sharedNote)}</p>` : ''}<p class="notice" id="not-medical">${e(c.notes[1] ?? '')}</p></header>
<section id="figures"><h2>Your figures</h2><table>${figures}</table><p>${e(c.notes[0] ?? '')}</p>${
    c.rangeSource ? `<p class="within">Error figures: ${e(c.rangeSource)}.</p>` : ''
  }</section>
<section id="changes"><h2>What changed</h2>${changes}</section>
<section id="trend"><h2>Trend</h2>${trendChartSvg(c.trend, trendTitle)}${c.trend.change ? `<p>${e(c.trend.change.summary)}</p>` : ''}</section>
${c.insights.length ? `<section id="insights"><h2>Findings</h2>${list(c.insights)}</section>` : ''}
<section id="nutrition"><h2>Nutrition</h2>${list(c.nutrition)}</section>
<section id="workout"><h2>Workout</h2>${list(c.workout.summary)}${list(c.workout.sessions)}</section>
<section id="hydration"><h2>Hydration</h2>${list(c.hydration)}</section>
<section id="how-made"><h2>How this was made</h2>${list(c.howMade)}</section>
<footer><p>${e(c.notes[1] ?? '')}</p></footer>
</body>
</html>
`;
}

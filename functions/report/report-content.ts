import { bodyCompositionFigures, type Figure, formatFigure as fmt } from '../../common/body-composition/figures';
import type { MemberTrendResponse } from '../../common/contracts/member-trend';
import type { ScanDocument } from '../../common/contracts/scan-document';
import type { ScanResults } from '../../common/contracts/scan-results';

// What a member's report says, in one structure both renderings (HTML page, PDF) draw from, so the page and
// the PDF cannot disagree. Pure: the handler reads the scan and the trend, this arranges them.

export const NOT_A_MEDICAL_DEVICE =
  'These numbers are estimates for tracking your own fitness. They are not a medical device and not a diagnosis, and they do not replace advice from a doctor or dietitian.';
export const RANGE_EXPLAINED =
  'Each figure is shown with its 95 % range: the published error of the method that produced it. The true value lies in that range for 95 of 100 people like you.';

/**
 * Who the report is rendered for: the member (default), or whoever opens a link the member shared, who
 * sees no identity but the first name the member chose to show.
 */
export interface ReportAudience {
  shared: { firstName?: string | undefined };
}

export const SHARED_NOTE =
  'The member shared this report with you through a private link. Please do not pass the link on; the member can revoke it at any time.';

export interface ReportContent {
  title: string;
  capturedAt: string;
  figures: Figure[];
  rangeSource: string | null;
  changes: { label: string; text: string; beyondNoise: boolean }[];
  trend: MemberTrendResponse;
  insights: string[];
  nutrition: string[];
  workout: { summary: string[]; sessions: string[] };
  hydration: string[];
  howMade: string[];
  notes: string[];
  /** Said to whoever opens a shared link; null on the member's own report. */
  sharedNote: string | null;
}

const day = (iso: string) => iso.slice(0, 10);

function figures(results: ScanResults): Figure[] {
  const e = results.estimate;
  return [
    ...bodyCompositionFigures(e),
    { label: 'Weight (as entered)', value: `${fmt(e.weightKg)} kg`, range: null },
    { label: 'BMI', value: fmt(e.bmi), range: null },
  ];
}

function changes(results: ScanResults): ReportContent['changes'] {
  const d = results.deltas;
  const rows: ReportContent['changes'] = [];
  for (const [label, c] of [
    ['Since your previous scan', d.previous],
    ['About a week ago', d.sevenDay],
    ['About a month ago', d.thirtyDay],
  ] as const) {
    if (!c) continue;
    const s = c.significance;
    rows.push({
      label,
      text:
        s?.summary ??
        `Body fat ${fmt(c.bodyFatPercent)} points and weight ${fmt(c.weightKg)} kg over ${Math.round(c.days)} days (scanned before day-to-day variation was recorded).`,
      beyondNoise: Boolean(s && (s.bodyFatPercent.beyondNoise || s.weightKg.beyondNoise)),
    });
  }
  return rows;
}

function howMade(results: ScanResults): string[] {
  const e = results.estimate;
  const lines = [
    e.method === 'vision-fused'
      ? 'Body fat: a photo estimate combined with two published BMI equations (Deurenberg 1991, CUN-BAE 2012), weighted by confidence.'
      : 'Body fat: two published equations from your height, weight, age and sex (Deurenberg 1991, CUN-BAE 2012); no photo model was used.',
    `Confidence of the method: ${fmt(e.confidence, 2)} (0 to 1).`,
    `Photo check: ${results.quality.method === 'deterministic+vision' ? 'automatic checks and a vision model' : 'automatic checks'} (sharpness, exposure, orientation).`,
    `Energy: ${results.nutrition.bmrEquation === 'katch-mcardle' ? 'Katch–McArdle' : 'Mifflin–St Jeor'} resting energy × activity ${fmt(results.nutrition.activityMultiplier, 2)}.`,
    'Hydration: intake per kg of body weight, never below the EFSA adequate intake.',
  ];
  if (e.model) lines.push(`Photo model: ${e.model.model} (prompt ${e.model.promptVersion}, ${e.model.outcome}).`);
  if (results.review.required) lines.push(`Checked by a reviewer before release (${results.review.outcome.replace('_', ' ')}).`);
  return lines;
}

function title(capturedAt: string, audience: ReportAudience | undefined): string {
  if (!audience) return `Your body-composition scan of ${day(capturedAt)}`;
  const name = audience.shared.firstName;
  return `${name ? `${name}'s body-composition scan` : 'A body-composition scan'} of ${day(capturedAt)}, shared with you`;
}

export function reportContent(
  scan: ScanDocument & { results: ScanResults },
  trend: MemberTrendResponse,
  audience?: ReportAudience,
): ReportContent {
  const r = scan.results;
  const n = r.nutrition;
  const w = r.workout;
  const h = r.hydration;
  return {
    title: title(scan.measurements.capturedAt, audience),
    capturedAt: scan.measurements.capturedAt,
    figures: figures(r),
    rangeSource: r.estimate.ranges?.source ?? null,
    changes: changes(r),
    trend,
    insights: r.insights.findings.map((f) => f.message),
    nutrition: [
      `Daily energy target: ${Math.round(n.targetKcal)} kcal (maintenance ${Math.round(n.maintenanceKcal)} kcal).`,
      `Protein ${Math.round(n.proteinG)} g, fat ${Math.round(n.fatG)} g, carbohydrate ${Math.round(n.carbsG)} g a day.`,
      ...n.notes,
    ],
    workout: {
      summary: [
        `${w.daysPerWeek} training days a week: ${w.weeklyAerobicMinutes} minutes of aerobic activity and ${w.strengthDays} strength days.`,
        w.guideline,
      ],
      sessions: w.sessions.map((s) =>
        s.type === 'rest' ? `Day ${s.day}: rest` : `Day ${s.day}: ${s.type}, ${s.minutes} min, ${s.intensity} (${s.focus})`,
      ),
    },
    hydration: [
      `About ${(h.totalMl / 1000).toFixed(1)} litres of water a day in total, ${(h.fromDrinksMl / 1000).toFixed(1)} litres of it from drinks${
        h.exerciseAddOnMl > 0 ? `, including ${Math.round(h.exerciseAddOnMl)} ml for exercise` : ''
      }.`,
    ],
    howMade: howMade(r),
    notes: [RANGE_EXPLAINED, NOT_A_MEDICAL_DEVICE],
    sharedNote: audience ? SHARED_NOTE : null,
  };
}

import type { EstimateSummary } from '../contracts/deltas';
import type { Interval } from '../contracts/measurement-uncertainty';

// Body fat, fat mass and lean mass as people read them, each with its 95 % range: one wording for the
// member's report (HTML and PDF) and the reviewer's console, so both show the same figures and ranges.

export interface Figure {
  label: string;
  value: string;
  /** The 95 % range as text ("18.2–26.8 %"); null when the figure has none (measured, or an older scan). */
  range: string | null;
}

export const formatFigure = (v: number, digits = 1) => v.toFixed(digits);
export const rangeText = (r: Interval | undefined, unit: string) => (r ? `${formatFigure(r.low)}–${formatFigure(r.high)} ${unit}` : null);

export function bodyCompositionFigures(e: Pick<EstimateSummary, 'bodyFatPercent' | 'fatMassKg' | 'leanMassKg' | 'ranges'>): Figure[] {
  return [
    { label: 'Body fat', value: `${formatFigure(e.bodyFatPercent)} %`, range: rangeText(e.ranges?.bodyFatPercent, '%') },
    { label: 'Fat mass', value: `${formatFigure(e.fatMassKg)} kg`, range: rangeText(e.ranges?.fatMassKg, 'kg') },
    { label: 'Lean mass', value: `${formatFigure(e.leanMassKg)} kg`, range: rangeText(e.ranges?.leanMassKg, 'kg') },
  ];
}

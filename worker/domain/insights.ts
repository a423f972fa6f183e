import type { Trend } from '../../common/contracts/deltas';
import { type Insight, type Insights, InsightsSchema } from '../../common/contracts/scan-results';
import { DomainInputError } from './errors';
import { requireAdultAge, requireSex, round, type Sex } from './validate';

export type BodyFatCategory = 'below_essential' | 'essential' | 'athletes' | 'fitness' | 'average' | 'obese';

interface Band {
  category: BodyFatCategory;
  low: number;
  high: number | null;
}

// American Council on Exercise (ACE) body-fat percentage chart: essential / athletes / fitness / average / obese.
export const ACE_BODY_FAT_BANDS: Record<Sex, Band[]> = {
  male: [
    { category: 'essential', low: 2, high: 5 },
    { category: 'athletes', low: 6, high: 13 },
    { category: 'fitness', low: 14, high: 17 },
    { category: 'average', low: 18, high: 24 },
    { category: 'obese', low: 25, high: null },
  ],
  female: [
    { category: 'essential', low: 10, high: 13 },
    { category: 'athletes', low: 14, high: 20 },
    { category: 'fitness', low: 21, high: 24 },
    { category: 'average', low: 25, high: 31 },
    { category: 'obese', low: 32, high: null },
  ],
};

const LOW_CONFIDENCE = 0.5;

/**
 * ACE category. The chart uses whole percentages; a value belongs to the highest band whose lower bound it
 * reaches (so 5.5 % in a man is 'essential', 17.9 % is 'fitness'); below the essential lower bound → 'below_essential'.
 */
export function bodyFatCategory(sex: Sex, bodyFatPercent: number): Band | { category: 'below_essential'; low: null; high: number } {
  const bands = ACE_BODY_FAT_BANDS[requireSex(sex)];
  let found: Band | undefined;
  for (const b of bands) if (bodyFatPercent >= b.low) found = b;
  if (!found) return { category: 'below_essential', low: null, high: bands[0]?.low ?? 0 };
  return found;
}

const LABEL: Record<BodyFatCategory, string> = {
  below_essential: 'below the essential-fat range',
  essential: 'essential fat',
  athletes: 'athletes',
  fitness: 'fitness',
  average: 'average',
  obese: 'obese',
};

/** Rule-based findings (SPEC §4 insights). Messages only contain numbers that also appear in `evidence`. */
export function insightsFrom(input: {
  sex: Sex;
  age: number;
  estimate: { bodyFatPercent: number; confidence: number };
  trend: Trend;
}): Insights {
  const sex = requireSex(input.sex);
  requireAdultAge(input.age);
  const { bodyFatPercent, confidence } = input.estimate;
  if (!Number.isFinite(bodyFatPercent) || bodyFatPercent < 0 || bodyFatPercent > 100) {
    throw new DomainInputError('invalid_body_fat', 'bodyFatPercent must be between 0 and 100');
  }
  if (!Number.isFinite(confidence) || confidence < 0 || confidence > 1) {
    throw new DomainInputError('invalid_confidence', 'confidence must be between 0 and 1');
  }
  const out: Insight[] = [];
  const bf = round(bodyFatPercent, 1);
  const band = bodyFatCategory(sex, bf);
  const sexWord = sex === 'male' ? 'men' : 'women';

  let rangeText: string;
  if (band.category === 'below_essential') rangeText = `below ${band.high}%`;
  else if (band.high === null) rangeText = `${band.low}% and above`;
  else rangeText = `${band.low}–${band.high}%`;
  out.push({
    code: 'body_fat_category',
    severity: band.category === 'athletes' || band.category === 'fitness' ? 'positive' : band.category === 'average' ? 'info' : 'attention',
    message: `Your estimated body fat of ${bf}% is in the ACE "${LABEL[band.category]}" range for ${sexWord} (${rangeText}).`,
    evidence: { bodyFatPercent: bf, category: band.category, rangeLow: band.low, rangeHigh: band.high, sex, source: 'ACE body fat chart' },
  });

  const t = input.trend;
  if (t.previous === null) {
    out.push({
      code: 'first_scan',
      severity: 'info',
      message: 'This is your first scan, so there is no trend yet. Scan again in about a week to start tracking change.',
      evidence: { scansConsidered: t.scansConsidered },
    });
  }

  if (t.thirtyDay !== null) {
    const delta = t.thirtyDay.bodyFatPercent;
    const days = t.thirtyDay.days;
    const lowAlready = band.category === 'essential' || band.category === 'below_essential';
    const severity =
      t.direction === 'losing'
        ? lowAlready
          ? 'attention'
          : 'positive'
        : t.direction === 'gaining' && band.category === 'obese'
          ? 'attention'
          : 'info';
    const verb = delta < 0 ? `down ${Math.abs(delta)} percentage points` : delta > 0 ? `up ${delta} percentage points` : 'unchanged';
    out.push({
      code: 'thirty_day_change',
      severity,
      message: `Over the last ${days} days your body fat is ${verb}; the overall trend is ${t.direction ?? 'not yet clear'}.`,
      evidence: {
        bodyFatChange: delta,
        bodyFatChangeAbs: Math.abs(delta),
        days,
        weightChangeKg: t.thirtyDay.weightKg,
        direction: t.direction,
        trendPerWeek: t.trendPerWeek,
      },
    });
  }

  if (t.implausibleChange && t.previous !== null) {
    const p = t.plausibility;
    const what = p?.reason === 'weight_change_beyond_band' ? 'weight' : 'body-fat';
    out.push({
      code: 'implausible_change',
      severity: 'attention',
      message: p
        ? `The ${what} change since your last scan is larger than the body and the measurement can explain in that time (${p.observed.bodyFatPercent} percentage points and ${p.observed.weightKg} kg over ${p.days} days, expected within ±${p.expectedBand.bodyFatPercent} points and ±${p.expectedBand.weightKg} kg). Check the weight you entered; lighting, pose or clothing may also have differed.`
        : `The change since your last scan (${t.ratePerDay} percentage points a day) is faster than body fat can really change. Lighting, pose or clothing probably differed; treat this result with caution.`,
      evidence: {
        bodyFatChange: t.previous.bodyFatPercent,
        weightChangeKg: t.previous.weightKg,
        days: t.previous.days,
        ratePerDay: t.ratePerDay,
        ...(p ? { reason: p.reason, bodyFatBand: p.expectedBand.bodyFatPercent, weightBand: p.expectedBand.weightKg } : {}),
      },
    });
  }

  if (confidence < LOW_CONFIDENCE) {
    const c = round(confidence, 2);
    out.push({
      code: 'low_confidence',
      severity: 'info',
      message: `This estimate has low confidence (${c} on a scale from 0 to 1). A scan with good lighting and a clear pose will make it more reliable.`,
      evidence: { confidence: c, threshold: LOW_CONFIDENCE, scaleMin: 0, scaleMax: 1 },
    });
  }

  return InsightsSchema.parse(out);
}

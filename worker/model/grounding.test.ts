import { describe, expect, it } from 'vitest';
import { checkGrounded, numbersIn, numbersInFacts } from './grounding';

describe('number grounding', () => {
  it('finds digits, separators, decimals and number words', () => {
    expect(numbersIn('Aim for 2,150 kcal and 164 g protein, 3 strength days, twice a week, 18.4%')).toEqual([2150, 164, 3, 18.4, 2]);
    expect(numbersIn('No numbers here at all, not one.')).toEqual([]);
  });

  it('collects numbers from nested facts, including inside their strings', () => {
    const facts = { targetKcal: 2150, notes: ['WHO 2020: 150–300 minutes'], nested: { change: -1.2 } };
    expect([...numbersInFacts(facts)].sort((a, b) => a - b)).toEqual([1.2, 150, 300, 2020, 2150]);
  });

  it('accepts text whose numbers all come from the facts, sign aside', () => {
    const facts = { bodyFatPercent: 18.4, thirtyDay: { bodyFatPercent: -1.2, days: 28 } };
    expect(checkGrounded('At 18.4% you are down 1.2 points over 28 days.', facts)).toEqual({ ok: true, ungrounded: [] });
  });

  it('rejects an invented number, a rounded number and an invented number word', () => {
    const facts = { bodyFatPercent: 18.4, targetKcal: 2150 };
    expect(checkGrounded('You could reach 15% in 6 weeks.', facts)).toEqual({ ok: false, ungrounded: [15, 6] });
    expect(checkGrounded('About 18% body fat.', facts).ok).toBe(false);
    expect(checkGrounded(['Eat 2,150 kcal.', 'Train five days.'], facts)).toEqual({ ok: false, ungrounded: [5] });
  });
});

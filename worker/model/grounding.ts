// The narrative check: model text may state only numbers that are present in the facts it was given.
// Digits (with thousands separators and decimals) and number words from two to twelve count as numbers;
// a sign does not matter ("down 1.2 points" is grounded by a change of -1.2). Anything else that looks
// like a number and is not among the facts makes the text ungrounded, so it is never stored.

const NUMBER = /\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?/g;
const WORDS: Record<string, number> = {
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  twice: 2,
  half: 0.5,
  dozen: 12,
  hundred: 100,
  thousand: 1000,
};
const WORD = new RegExp(`\\b(${Object.keys(WORDS).join('|')})\\b`, 'gi');

/** Every number stated in a text (absolute values). */
export function numbersIn(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(NUMBER)) out.push(Math.abs(Number(m[0].replaceAll(',', ''))));
  for (const m of text.matchAll(WORD)) out.push(WORDS[m[0].toLowerCase()]!);
  return out;
}

/** Every number in a facts value: numeric leaves, and numbers written inside its strings. */
export function numbersInFacts(facts: unknown, into = new Set<number>()): Set<number> {
  if (typeof facts === 'number' && Number.isFinite(facts)) into.add(Math.abs(facts));
  else if (typeof facts === 'string') for (const n of numbersIn(facts)) into.add(n);
  else if (Array.isArray(facts)) for (const v of facts) numbersInFacts(v, into);
  else if (facts && typeof facts === 'object') for (const v of Object.values(facts)) numbersInFacts(v, into);
  return into;
}

export interface GroundingResult {
  ok: boolean;
  /** Numbers the text states that the facts do not contain. */
  ungrounded: number[];
}

export function checkGrounded(texts: string | string[], facts: unknown): GroundingResult {
  const known = [...numbersInFacts(facts)];
  const stated = (Array.isArray(texts) ? texts : [texts]).flatMap(numbersIn);
  const ungrounded = [...new Set(stated.filter((n) => !known.some((k) => Math.abs(k - n) < 1e-9)))];
  return { ok: ungrounded.length === 0, ungrounded };
}

import { z } from 'zod';
import { DomainInputError } from './errors';

// Messages name the rule, never the value: they can end up in failures, logs and archives (health data).

export const SexSchema = z.enum(['male', 'female']);
export type Sex = z.infer<typeof SexSchema>;

/** Adult equations in this folder are only applied to ages 18–100. */
export const ADULT_MIN_AGE = 18;
export const ADULT_MAX_AGE = 100;

export function requirePositive(value: number, code: string, label: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new DomainInputError(code, `${label} must be a finite positive number`);
  }
  return value;
}

export function requireNonNegative(value: number, code: string, label: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new DomainInputError(code, `${label} must be a finite non-negative number`);
  }
  return value;
}

export function requireAdultAge(age: number): number {
  if (typeof age !== 'number' || !Number.isFinite(age) || age < ADULT_MIN_AGE || age > ADULT_MAX_AGE) {
    throw new DomainInputError('invalid_age', `age must be between ${ADULT_MIN_AGE} and ${ADULT_MAX_AGE}`);
  }
  return age;
}

export function requireSex(sex: unknown): Sex {
  const parsed = SexSchema.safeParse(sex);
  if (!parsed.success) throw new DomainInputError('invalid_sex', `sex must be 'male' or 'female'`);
  return parsed.data;
}

export function requireOneOf<T extends string>(value: unknown, allowed: readonly T[], code: string, label: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new DomainInputError(code, `${label} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

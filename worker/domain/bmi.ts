import { requirePositive } from './validate';

// Body-mass index, Quetelet index as adopted by WHO (Technical Report Series 894, 2000): kg / m².
export function bmi(weightKg: number, heightCm: number): number {
  requirePositive(weightKg, 'invalid_weight', 'weightKg');
  requirePositive(heightCm, 'invalid_height', 'heightCm');
  const m = heightCm / 100;
  return weightKg / (m * m);
}

import { z } from 'zod';
import type { Sex } from '../domain/validate';
import type { PreparedImage } from './images';
import { loadPrompt } from './prompts';
import type { ModelRuntime } from './runtime';
import { completeStructured } from './structured';

// estimation (vision): the model's body-fat estimate and its confidence. It sees the photos, the sex and an
// age band only, so it stays independent of the BMI-based prior it is fused with.

export const VisionEstimateSchema = z.object({
  bodyFatPercent: z.number().min(2).max(75),
  confidence: z.number().min(0).max(1),
});
export type VisionEstimate = z.infer<typeof VisionEstimateSchema>;

export const ageBand = (age: number) => (age < 30 ? '18-29' : age < 45 ? '30-44' : age < 60 ? '45-59' : age < 75 ? '60-74' : '75+');

export async function estimateFromPhotos(rt: ModelRuntime, scanId: string, images: PreparedImage[], person: { sex: Sex; age: number }) {
  return completeStructured(rt, {
    agent: 'estimation',
    kind: 'estimation',
    scanId,
    schemaName: 'body_fat_estimate',
    schema: VisionEstimateSchema,
    prompt: loadPrompt('estimation'),
    images,
    text: `Sex: ${person.sex}. Age band: ${ageBand(person.age)}. Estimate body-fat percentage from the four photos.`,
  });
}

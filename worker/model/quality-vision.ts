import { ANGLES, type Angle } from '../../common/contracts/scan';
import { type QualityJudgement, QualityJudgementSchema } from '../../common/contracts/scan-results';
import type { PreparedImage } from './images';
import { loadPrompt } from './prompts';
import type { ModelRuntime } from './runtime';
import { completeStructured } from './structured';

// quality (vision): pose, framing, clothing and lighting per photo. The model judges; the member-facing
// wording is ours (fixed per aspect), so nothing the model writes reaches the member.

export const ASPECTS = ['pose', 'framing', 'clothing', 'lighting'] as const;
export type Aspect = (typeof ASPECTS)[number];

const REASONS: Record<Aspect, (angle: Angle) => string> = {
  pose: (a) =>
    `In the ${a} photo, please stand upright ${a === 'front' || a === 'back' ? `with your ${a} to the camera` : `with your ${a} side to the camera`}, arms slightly away from your body.`,
  framing: (a) => `The ${a} photo must show your whole body from head to feet. Please step back and retake it.`,
  clothing: (a) => `In the ${a} photo, please wear close-fitting clothing so your body outline is visible.`,
  lighting: (a) => `The ${a} photo is unevenly lit. Please retake it facing even light, without strong light behind you.`,
};

export interface VisionRejection {
  angle: Angle;
  code: `vision_${Aspect}`;
  reason: string;
}

export function visionRejections(j: QualityJudgement): VisionRejection[] {
  return j.photos.flatMap((p) =>
    ASPECTS.filter((aspect) => p[aspect] === 'problem').map((aspect) => ({
      angle: p.angle,
      code: `vision_${aspect}` as const,
      reason: REASONS[aspect](p.angle),
    })),
  );
}

export async function judgePhotos(rt: ModelRuntime, scanId: string, images: PreparedImage[]) {
  return completeStructured(rt, {
    agent: 'quality',
    kind: 'quality',
    scanId,
    schemaName: 'photo_quality_judgement',
    schema: QualityJudgementSchema,
    prompt: loadPrompt('quality'),
    images,
    text: 'Judge each of these four scan photos. The angle of each photo is given before it.',
    check: (j) => (ANGLES.every((a) => j.photos.filter((p) => p.angle === a).length === 1) ? undefined : 'angles_incomplete'),
  });
}

import { createAdviceActivities } from './advice';
import { createArchiveActivities } from './archive';
import { createDeltaActivities } from './deltas';
import type { ActivityDeps } from './deps';
import { createErasureActivities } from './erasure';
import { createEstimationActivities } from './estimation';
import { createNotifyActivities } from './notify';
import { createQualityActivities } from './quality';
import { createScanRecordActivities } from './scan-records';

export type { ActivityDeps } from './deps';

/** The activities of the scan pipeline, built from their dependencies. */
export function createScanActivities(deps: ActivityDeps) {
  return {
    ...createQualityActivities(deps),
    ...createEstimationActivities(deps),
    ...createDeltaActivities(deps),
    ...createAdviceActivities(deps),
    ...createScanRecordActivities(deps),
    ...createNotifyActivities(deps),
  };
}

export type ScanActivities = ReturnType<typeof createScanActivities>;

/** Everything one worker registers: the scan pipeline's activities, the nightly archive's and erasure's. */
export function createWorkerActivities(deps: ActivityDeps) {
  return { ...createScanActivities(deps), ...createArchiveActivities(deps), ...createErasureActivities(deps) };
}

export type WorkerActivities = ReturnType<typeof createWorkerActivities>;

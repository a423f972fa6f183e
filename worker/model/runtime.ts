import type OpenAI from 'openai';
import { Semaphore } from '../../common/semaphore';
import { createModelClient } from './client';
import type { ModelSettings } from './settings';
import { defaultModelTelemetry, type ModelTelemetry } from './telemetry';

/** The model side of the activity deps: one client and one concurrency limit per worker process. */
export interface ModelRuntime {
  settings: ModelSettings;
  client: OpenAI;
  /** Caps model requests in flight across all scans this process runs (MODEL_MAX_CONCURRENCY). */
  limiter: Semaphore;
  telemetry: ModelTelemetry;
}

export function createModelRuntime(settings: ModelSettings, telemetry?: ModelTelemetry): ModelRuntime {
  return {
    settings,
    client: createModelClient(settings),
    limiter: new Semaphore(settings.maxConcurrency),
    telemetry: telemetry ?? defaultModelTelemetry(settings.appInsights),
  };
}

import { Context, log } from '@temporalio/activity';

// One event per model-backed activity attempt: identifiers, tokens and outcome only, never health data.

export interface ModelUsageEvent {
  agent: string;
  scanId?: string | undefined;
  deployment: string;
  model: string;
  promptVersion: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  imageTokens: number;
  outcome: string;
}

export type ModelTelemetry = (event: ModelUsageEvent) => void;

function inActivity(): boolean {
  try {
    Context.current();
    return true;
  } catch {
    return false;
  }
}

export function defaultModelTelemetry(appInsights: boolean): ModelTelemetry {
  return (e) => {
    if (inActivity()) log.info('model usage', { ...e });
    if (!appInsights) return;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const ai = require('applicationinsights') as typeof import('applicationinsights');
      ai.defaultClient?.trackEvent({
        name: 'ModelUsage',
        properties: {
          agent: e.agent,
          scanId: e.scanId ?? '',
          deployment: e.deployment,
          model: e.model,
          promptVersion: e.promptVersion,
          outcome: e.outcome,
        },
        measurements: {
          requests: e.requests,
          promptTokens: e.promptTokens,
          completionTokens: e.completionTokens,
          imageTokens: e.imageTokens,
        },
      });
    } catch {
      // telemetry never fails an activity
    }
  };
}

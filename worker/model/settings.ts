import type { Config } from '../../common/config';

// What the model agents need to know from the settings, resolved once per process.

export type ModelAgent = 'quality' | 'estimation' | 'narrative';

export interface ModelSettings {
  provider: 'azure' | 'openai';
  /** Azure: the resource endpoint; OpenAI-compatible: the base URL. Never a secret. */
  endpoint: string;
  apiVersion?: string | undefined;
  /** Azure: API key when set, else Entra ID (DefaultAzureCredential). OpenAI-compatible: the key. */
  apiKey?: string | undefined;
  deployments: Record<ModelAgent, string>;
  maxConcurrency: number;
  timeoutMs: number;
  /** Send usage events to Application Insights as well as the activity log. */
  appInsights: boolean;
}

/** undefined when no model is configured: the deterministic agents run alone. */
export function modelSettingsFromConfig(config: Config): ModelSettings | undefined {
  if (config.MODEL_PROVIDER === 'none') return undefined;
  const deployment = (specific: string | undefined) => (specific ?? config.MODEL_DEPLOYMENT_DEFAULT)!;
  const deployments = {
    quality: deployment(config.MODEL_DEPLOYMENT_QUALITY),
    estimation: deployment(config.MODEL_DEPLOYMENT_ESTIMATION),
    narrative: deployment(config.MODEL_DEPLOYMENT_NARRATIVE),
  };
  const common = {
    deployments,
    maxConcurrency: config.MODEL_MAX_CONCURRENCY,
    timeoutMs: config.MODEL_TIMEOUT_SECONDS * 1000,
    appInsights: Boolean(config.APPLICATIONINSIGHTS_CONNECTION_STRING),
  };
  return config.MODEL_PROVIDER === 'azure'
    ? {
        provider: 'azure',
        endpoint: config.AZURE_OPENAI_ENDPOINT!,
        apiVersion: config.AZURE_OPENAI_API_VERSION!,
        apiKey: config.AZURE_OPENAI_API_KEY,
        ...common,
      }
    : { provider: 'openai', endpoint: config.OPENAI_BASE_URL!, apiKey: config.OPENAI_API_KEY!, ...common };
}

import { DefaultAzureCredential, getBearerTokenProvider } from '@azure/identity';
import OpenAI, { AzureOpenAI } from 'openai';
import { SpanNames } from '../../common/telemetry-names';
import { tracedFetch } from '../../common/tracing';
import type { ModelSettings } from './settings';

export const AZURE_COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';

/**
 * One client per worker process. `maxRetries: 0`: Temporal owns retries (429 Retry-After, 5xx and
 * timeouts become the activity's retries), so a request is never retried behind its back.
 * With Azure the deployment travels as `model` and the SDK routes to /openai/deployments/{model}/….
 */
export function createModelClient(settings: ModelSettings): OpenAI {
  // Each request is a client span under the activity's span (method, host and status only).
  const common = { maxRetries: 0, timeout: settings.timeoutMs, fetch: tracedFetch(SpanNames.modelRequest) };
  if (settings.provider === 'azure') {
    return settings.apiKey
      ? new AzureOpenAI({ endpoint: settings.endpoint, apiVersion: settings.apiVersion, apiKey: settings.apiKey, ...common })
      : new AzureOpenAI({
          endpoint: settings.endpoint,
          apiVersion: settings.apiVersion,
          azureADTokenProvider: getBearerTokenProvider(new DefaultAzureCredential(), AZURE_COGNITIVE_SERVICES_SCOPE),
          ...common,
        });
  }
  return new OpenAI({ baseURL: settings.endpoint, apiKey: settings.apiKey, ...common });
}

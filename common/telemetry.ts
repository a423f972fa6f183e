import type { TokenCredential } from '@azure/identity';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { azureIdentitySdk } from './clients/sdk-modules';
import type { Config } from './config';
import { noSpanProcessor, traceAzureSdk } from './tracing';

export interface Telemetry {
  /** Where the worker sends workflow spans (they arrive through a Temporal sink, not the global provider). */
  workflowSpans: SpanProcessor;
  shutdown(): Promise<void>;
}

/**
 * Application Insights (applicationinsights v3, OpenTelemetry based) when its connection string is
 * set; nothing otherwise. It registers the global tracer and meter providers, so every span and metric
 * made through @opentelemetry/api (ours, Temporal's interceptors, Firestore's and the Azure SDK's) goes
 * there. Only identifiers are ever attached to spans, metrics and logs.
 */
export function startTelemetry(config: Pick<Config, 'APPLICATIONINSIGHTS_CONNECTION_STRING'>, roleName: string): Telemetry {
  if (!config.APPLICATIONINSIGHTS_CONNECTION_STRING) return { workflowSpans: noSpanProcessor, shutdown: async () => {} };
  // Loaded lazily: it patches modules on load, which a process without telemetry should not pay for.
  const appInsights = require('applicationinsights') as typeof import('applicationinsights');
  const credential = ingestionCredential();
  appInsights.setup(config.APPLICATIONINSIGHTS_CONNECTION_STRING).setAutoCollectConsole(false);
  if (credential) appInsights.defaultClient.config.aadTokenCredential = credential;
  appInsights.start();
  appInsights.defaultClient.context.tags[appInsights.defaultClient.context.keys.cloudRole] = roleName;
  traceAzureSdk();
  const { AzureMonitorTraceExporter } =
    require('@azure/monitor-opentelemetry-exporter') as typeof import('@azure/monitor-opentelemetry-exporter');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const workflowSpans = new BatchSpanProcessor(
    new AzureMonitorTraceExporter({ connectionString: config.APPLICATIONINSIGHTS_CONNECTION_STRING, credential }),
  );
  return {
    workflowSpans,
    shutdown: async () => {
      await workflowSpans.shutdown().catch(() => undefined);
      await appInsights.defaultClient.flush().then(
        () => undefined,
        () => undefined,
      );
    },
  };
}

/**
 * Application Insights in Azure has local auth off: ingestion takes an Entra ID token. The platform's
 * setting `APPLICATIONINSIGHTS_AUTHENTICATION_STRING` (`ClientId=<identity>;Authorization=AAD`, set by
 * the templates for both processes) names the user-assigned identity; the in-process SDK does not read
 * it by itself, so it is turned into the exporters' credential here. Unset (a laptop): no credential.
 */
function ingestionCredential(): TokenCredential | undefined {
  const auth = process.env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING;
  if (!auth || !/(^|;)\s*Authorization=AAD\s*(;|$)/i.test(auth)) return undefined;
  const clientId = /(?:^|;)\s*ClientId=([^;]+)/i.exec(auth)?.[1]?.trim();
  const { DefaultAzureCredential, ManagedIdentityCredential } = azureIdentitySdk();
  return clientId ? new ManagedIdentityCredential({ clientId }) : new DefaultAzureCredential();
}

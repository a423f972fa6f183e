import type { Config } from './config';

/**
 * Application Insights (applicationinsights v3, OpenTelemetry based) when its connection string is
 * set; nothing otherwise. Only identifiers are ever attached to spans and logs.
 */
export function startTelemetry(config: Config, roleName: string): { shutdown: () => Promise<void> } {
  if (!config.APPLICATIONINSIGHTS_CONNECTION_STRING) return { shutdown: async () => {} };
  // Loaded lazily: it patches modules on load, which a process without telemetry should not pay for.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const appInsights = require('applicationinsights') as typeof import('applicationinsights');
  appInsights.setup(config.APPLICATIONINSIGHTS_CONNECTION_STRING).setAutoCollectConsole(false).start();
  appInsights.defaultClient.context.tags[appInsights.defaultClient.context.keys.cloudRole] = roleName;
  return {
    shutdown: () =>
      appInsights.defaultClient.flush().then(
        () => undefined,
        () => undefined,
      ),
  };
}

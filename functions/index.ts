import { app } from '@azure/functions';
import { startTelemetry } from '../common/telemetry';
import { registrations } from './definitions';
import { sharedConfigGate, sharedDeps } from './deps';
import { httpHandlerFor, inTriggerSpan } from './framework/pipeline';
import { hostRoute } from './framework/types';

// Azure Functions entry point (Node v4 programming model). Every function comes from the one table in
// ./definitions; authLevel is anonymous because the pipeline verifies Firebase ID tokens itself.

// A bad setting stops the app with a message that names it; secrets still missing from Key Vault are
// waited for (every route answers 503 until they are there; health says "starting").
const config = sharedConfigGate().startup;
startTelemetry(config, 'reddyfit-scan-functions'); // traces and metrics to Application Insights when configured
// Responses may be streamed (the scan's event stream); the host then hands request and response bodies to
// the worker as streams, which the pipeline reads the same way. Must come before any registration.
app.setup({ enableHttpStream: true });
const { http, blob, timer } = registrations();

for (const def of http) {
  app.http(def.name, {
    route: hostRoute(def),
    methods: def.methods,
    authLevel: 'anonymous',
    handler: httpHandlerFor(def, sharedDeps),
  });
}

for (const def of blob) {
  app.storageBlob(def.name, {
    path: `${def.container(config)}/{name}`,
    connection: def.connection,
    source: def.source,
    handler: async (_content, context) => {
      // The binding's `{name}`: the blob path inside the container. The handler reads what it needs itself.
      const name = context.triggerMetadata?.name;
      await inTriggerSpan(def.name, 'datasource', () =>
        def.handler({ name: typeof name === 'string' ? name : '', container: def.container(config) }, context, sharedDeps()),
      );
    },
  });
}

for (const def of timer) {
  app.timer(def.name, {
    schedule: def.schedule,
    runOnStartup: false,
    handler: async (_timer, context) => inTriggerSpan(def.name, 'timer', () => def.handler(context, sharedDeps(), new Date())),
  });
}

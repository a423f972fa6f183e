// `npm run rollout -- --build <id>`: rolls a worker build out (start beside the running builds, make it
// current or ramp it by WORKER_RAMP_PERCENT, remove old builds once Temporal reports them drained).
// `--drain`: only the removal. `--rollback`: stop the ramp, or make the previous build current again.
// The deploy hook (infra/hooks/postdeploy.sh) runs it with the Azure fleet; test/rollout.test.ts runs the
// same command with worker processes. Settings: RolloutConfigSchema (common/config.ts); in Azure the
// hook's azd environment, the apps' own Temporal settings from WORKER_SETTINGS filling what it lacks.
import { parseArgs } from 'node:util';
import { Connection } from '@temporalio/client';
import { z } from 'zod';
import { temporalConnectionOptions } from '../common/clients/temporal';
import { RolloutConfigSchema } from '../common/config';
import { deploymentNameFor } from '../worker/versioning';
import { AzureFleetEnvSchema, azureWorkerFleet } from './lib/azure-worker-fleet';
import { removeDrained, rollback, rollout, type WorkerFleet } from './lib/rollout';

/** How long a deploy waits for old builds to drain before leaving them to the next one. */
export const DEFAULT_DRAIN_WAIT_SECONDS = 120;

type Env = Record<string, string | undefined>;
const withoutEmpty = (env: Env) => Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));

export async function rolloutCommand(argv: string[], env: Env, fleet: WorkerFleet, log: (line: string) => void) {
  const { values } = parseArgs({
    args: argv,
    options: {
      build: { type: 'string' },
      rollback: { type: 'boolean', default: false },
      drain: { type: 'boolean', default: false },
      'drain-wait': { type: 'string', default: String(DEFAULT_DRAIN_WAIT_SECONDS) },
    },
    strict: true,
  });
  if (!values.rollback && !values.drain && !values.build) throw new Error('say --build <id>, --drain or --rollback');
  const drainWaitSeconds = Number(values['drain-wait']);
  if (!Number.isInteger(drainWaitSeconds) || drainWaitSeconds < 0) throw new Error('--drain-wait takes whole seconds');
  const config = RolloutConfigSchema.parse(withoutEmpty(env));
  const opts = temporalConnectionOptions(config);
  const connection = await Connection.connect({ address: opts.address ?? config.TEMPORAL_ADDRESS, tls: opts.tls, apiKey: opts.apiKey });
  try {
    const target = {
      workflowService: connection.workflowService,
      namespace: config.TEMPORAL_NAMESPACE,
      deploymentName: deploymentNameFor(config, config.TEMPORAL_TASK_QUEUE),
      fleet,
      log,
      drainWaitSeconds,
    };
    if (values.rollback) return { current: await rollback(target) };
    if (values.drain) return await removeDrained(target);
    return await rollout(target, values.build as string, config.WORKER_RAMP_PERCENT);
  } finally {
    await connection.close();
  }
}

async function main() {
  const parsed = AzureFleetEnvSchema.safeParse(withoutEmpty(process.env));
  if (!parsed.success)
    throw new Error(
      `the Azure fleet needs the azd environment (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')} missing or invalid): run it from infra/hooks/postdeploy.sh, or first eval "$(azd env get-values | sed 's/^/export /')"`,
    );
  const azure = parsed.data;
  // The hook's own environment first (an operator's TEMPORAL_API_KEY), then the workers' Temporal settings.
  const settings = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).parse(JSON.parse(azure.WORKER_SETTINGS));
  const workerSettings = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, String(v)]));
  // A build left draining is named in the log and is not a failure: the next deploy removes it.
  await rolloutCommand(process.argv.slice(2), { ...workerSettings, ...process.env }, azureWorkerFleet(azure), (line) => console.log(line));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`rollout failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

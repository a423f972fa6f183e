import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import type { WorkerFleet } from './rollout';

// The rollout's fleet in Azure: each build is WORKER_COUNT container groups `<prefix>-<build>-<n>` of the
// image tagged with the build (infra/worker.bicep), deployed beside the other builds' groups. A group's
// build is read back from its image tag, so groups made before builds were named (`<prefix>-<n>`) are
// found and drained like any other. Not run here (no Azure): docs/not-built-yet.md.

/** The azd environment the deploy hook exports (main.bicep outputs and `azd env set` values). */
export const AzureFleetEnvSchema = z.object({
  AZURE_RESOURCE_GROUP: z.string().min(1),
  AZURE_ENV_NAME: z.string().min(1),
  AZURE_CONTAINER_REGISTRY_ENDPOINT: z.string().min(1),
  WORKER_GROUP_PREFIX: z.string().min(1),
  WORKER_IDENTITY_ID: z.string().min(1),
  WORKER_IDENTITY_CLIENT_ID: z.string().min(1),
  WORKERS_SUBNET_ID: z.string().min(1),
  /** main.bicep's WORKER_SETTINGS output, a JSON object. */
  WORKER_SETTINGS: z.string().min(2),
  WORKER_COUNT: z.coerce.number().int().min(1).max(20).default(1),
});
export type AzureFleetEnv = z.infer<typeof AzureFleetEnvSchema>;

const run = promisify(execFile);
const az = async (args: string[]) => (await run('az', args, { maxBuffer: 16 * 1024 * 1024 })).stdout;

/** Container group names allow lowercase letters, digits and single hyphens, 63 characters at most. */
export function groupPrefixFor(env: Pick<AzureFleetEnv, 'WORKER_GROUP_PREFIX'>, buildId: string) {
  const prefix = `${env.WORKER_GROUP_PREFIX}-${buildId}`;
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(prefix) || prefix.length > 60)
    throw new Error(`build id ${buildId} cannot name a container group (${prefix}-<n>): use lowercase letters, digits and single hyphens`);
  return prefix;
}

/** The build a container group runs: its image's tag. */
export const buildOfImage = (image: string) => image.slice(image.lastIndexOf(':') + 1);

export function azureWorkerFleet(env: AzureFleetEnv): WorkerFleet {
  const rg = ['-g', env.AZURE_RESOURCE_GROUP];
  const groups = async () =>
    z
      .array(z.object({ name: z.string(), image: z.string() }))
      .parse(
        JSON.parse(
          await az([
            'container',
            'list',
            ...rg,
            '--query',
            `[?starts_with(name, '${env.WORKER_GROUP_PREFIX}-')].{name: name, image: containers[0].image}`,
            '-o',
            'json',
          ]),
        ),
      )
      .map((g) => ({ name: g.name, build: buildOfImage(g.image) }));
  const remove = async (name: string) => {
    await az(['container', 'delete', ...rg, '-n', name, '--yes', '-o', 'none']);
  };
  return {
    async start(buildId) {
      const namePrefix = groupPrefixFor(env, buildId);
      // Every Azure worker waits to be made current by the rollout (WORKER_BECOME_CURRENT=false in WORKER_SETTINGS).
      await az([
        'deployment',
        'group',
        'create',
        ...rg,
        '-n',
        `worker-${buildId}`,
        '--template-file',
        'infra/worker.bicep',
        '--parameters',
        `namePrefix=${namePrefix}`,
        `image=${env.AZURE_CONTAINER_REGISTRY_ENDPOINT}/scan-worker:${buildId}`,
        `workerCount=${env.WORKER_COUNT}`,
        `identityId=${env.WORKER_IDENTITY_ID}`,
        `identityClientId=${env.WORKER_IDENTITY_CLIENT_ID}`,
        `registryServer=${env.AZURE_CONTAINER_REGISTRY_ENDPOINT}`,
        `subnetId=${env.WORKERS_SUBNET_ID}`,
        `settings=${env.WORKER_SETTINGS}`,
        `tags=${JSON.stringify({ 'azd-env-name': env.AZURE_ENV_NAME })}`,
        '-o',
        'none',
      ]);
      // A lower WORKER_COUNT for the same build: the highest-numbered groups go.
      for (const g of await groups()) {
        const n = Number(g.name.slice(namePrefix.length + 1));
        if (g.name.startsWith(`${namePrefix}-`) && n > env.WORKER_COUNT) await remove(g.name);
      }
    },
    async running() {
      return [...new Set((await groups()).map((g) => g.build))];
    },
    async stop(buildId) {
      for (const g of await groups()) if (g.build === buildId) await remove(g.name);
    },
  };
}

import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AzureFleetEnvSchema, azureWorkerFleet, buildOfImage, groupPrefixFor } from './azure-worker-fleet';

// The Azure fleet without Azure: an `az` on PATH that records each call and answers `container list` from
// a file, so the commands the rollout would issue are pinned down (what Azure does with them is not:
// docs/not-built-yet.md).
const dir = mkdtempSync(path.join(os.tmpdir(), 'fake-az-'));
const calls = path.join(dir, 'calls');
const groups = path.join(dir, 'groups.json');
writeFileSync(
  path.join(dir, 'az'),
  `#!/bin/sh\nprintf '%s\\n' "$*" >> '${calls}'\nif [ "$1" = container ] && [ "$2" = list ]; then cat '${groups}'; fi\n`,
);
chmodSync(path.join(dir, 'az'), 0o755);
const originalPath = process.env.PATH;
process.env.PATH = `${dir}:${originalPath}`;
afterAll(() => {
  process.env.PATH = originalPath;
  rmSync(dir, { recursive: true, force: true });
});

const env = AzureFleetEnvSchema.parse({
  AZURE_RESOURCE_GROUP: 'rg-scan',
  AZURE_ENV_NAME: 'prod',
  AZURE_CONTAINER_REGISTRY_ENDPOINT: 'crscan.azurecr.io',
  WORKER_GROUP_PREFIX: 'ci-worker-abc',
  WORKER_IDENTITY_ID: '/subscriptions/s/resourceGroups/rg-scan/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-worker',
  WORKER_IDENTITY_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
  WORKERS_SUBNET_ID: '/subscriptions/s/resourceGroups/rg-scan/providers/Microsoft.Network/virtualNetworks/vnet/subnets/workers',
  WORKER_SETTINGS: '{"TEMPORAL_ADDRESS":"ns.acct.tmprl.cloud:7233","WORKER_BECOME_CURRENT":"false"}',
  WORKER_COUNT: '2',
});
const fleet = azureWorkerFleet(env);
const setGroups = (list: Array<{ name: string; image: string }>) => writeFileSync(groups, JSON.stringify(list));
const recorded = () => readFileSync(calls, 'utf8').trim().split('\n');

beforeEach(() => {
  writeFileSync(calls, '');
  setGroups([
    { name: 'ci-worker-abc-1', image: 'crscan.azurecr.io/scan-worker:0a1b2c3d4e5f' }, // made before builds had their own groups
    { name: 'ci-worker-abc-9f8e7d6c5b4a-1', image: 'crscan.azurecr.io/scan-worker:9f8e7d6c5b4a' },
    { name: 'ci-worker-abc-9f8e7d6c5b4a-2', image: 'crscan.azurecr.io/scan-worker:9f8e7d6c5b4a' },
    { name: 'ci-worker-abc-9f8e7d6c5b4a-3', image: 'crscan.azurecr.io/scan-worker:9f8e7d6c5b4a' },
  ]);
});

describe('Azure worker fleet (az commands)', () => {
  it("reads each group's build from its image tag, old-style names included", async () => {
    expect(await fleet.running()).toEqual(['0a1b2c3d4e5f', '9f8e7d6c5b4a']);
    expect(buildOfImage('crscan.azurecr.io:443/scan-worker:abc')).toBe('abc');
  });

  it("deploys a build's own groups beside the others and trims that build beyond WORKER_COUNT", async () => {
    await fleet.start('9f8e7d6c5b4a');
    const [deploy, ...rest] = recorded();
    expect(deploy).toContain('deployment group create -g rg-scan -n worker-9f8e7d6c5b4a --template-file infra/worker.bicep');
    expect(deploy).toContain('namePrefix=ci-worker-abc-9f8e7d6c5b4a image=crscan.azurecr.io/scan-worker:9f8e7d6c5b4a workerCount=2');
    expect(deploy).toContain('"WORKER_BECOME_CURRENT":"false"');
    // Only group 3 of this build goes; the other build's group is left to the rollout.
    expect(rest.filter((c) => c.startsWith('container delete'))).toEqual([
      'container delete -g rg-scan -n ci-worker-abc-9f8e7d6c5b4a-3 --yes -o none',
    ]);
  });

  it("stops every group of one build and no other's", async () => {
    await fleet.stop('0a1b2c3d4e5f');
    expect(recorded().filter((c) => c.startsWith('container delete'))).toEqual([
      'container delete -g rg-scan -n ci-worker-abc-1 --yes -o none',
    ]);
  });

  it('refuses a build id that cannot name a container group', () => {
    expect(() => groupPrefixFor(env, 'Release_1.2')).toThrow(/cannot name a container group/);
    expect(groupPrefixFor(env, 'abc123')).toBe('ci-worker-abc-abc123');
  });
});

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_CONTAINERS } from '../../common/config';

// What an auditor checks in infra/, read from the templates as checkov reads them (the pycep parse tree,
// scripts/infra/parse-bicep.py --json): no role at account or vault scope for anyone (the one exception,
// the SAS-signing key action Azure accepts only there, is named), an access log on every storage account
// and the vault into a workspace that keeps a year, and no public network access on anything that holds
// health data or secrets.
const root = path.resolve(__dirname, '../..');

const Decorator = z.object({ type: z.string(), argument: z.unknown() });
const Tree = z.object({
  parameters: z.record(z.string(), z.object({ decorators: z.array(Decorator), default: z.unknown() })).default({}),
  variables: z.record(z.string(), z.object({ value: z.unknown() })).default({}),
  resources: z
    .record(z.string(), z.object({ type: z.string(), existing: z.boolean(), config: z.record(z.string(), z.unknown()) }))
    .default({}),
  modules: z
    .record(z.string(), z.object({ detail: z.object({ path: z.string() }).optional(), config: z.record(z.string(), z.unknown()) }))
    .default({}),
});
type Tree = z.infer<typeof Tree>;
const Trees = z.record(z.string(), Tree);

// An expression in the tree: a bare identifier or literal is a string; operators and functions are objects.
const Accessor = z.object({
  operator: z.object({
    type: z.enum(['index_accessor', 'property_accessor']),
    operands: z.object({ operand_1: z.unknown(), operand_2: z.unknown() }),
  }),
});
const Body = z.object({ config: z.record(z.string(), z.unknown()) }).partial();

/** A resource's own properties, under its loop or condition when it has one. */
function bodyOf(config: Record<string, unknown>): Record<string, unknown> {
  if (!('loop_type' in config) && !('condition' in config)) return config;
  return Body.parse(config).config ?? config;
}

/** The symbol an expression starts from: `uploads`, `hostContainerRefs[i]`, `principals[reader]`, `roles.x`. */
function symbolOf(expr: unknown): string | undefined {
  if (typeof expr === 'string') return expr;
  const accessor = Accessor.safeParse(expr);
  return accessor.success ? symbolOf(accessor.data.operator.operands.operand_1) : undefined;
}

/** The last name of an accessor chain (`roles.storageBlobDelegator` gives storageBlobDelegator). */
function memberOf(expr: unknown): string | undefined {
  if (typeof expr === 'string') return expr;
  const accessor = Accessor.safeParse(expr);
  return accessor.success ? memberOf(accessor.data.operator.operands.operand_2) : undefined;
}

const RoleProperties = z.object({
  principalId: z.unknown(),
  roleDefinitionId: z.object({ function: z.object({ parameters: z.object({ resource_name_1: z.unknown() }) }) }),
});
const Scoped = z.object({ scope: z.unknown(), properties: z.unknown() }).partial();
const Parented = z.object({ parent: z.string() }).partial();
const Logs = z.object({
  workspaceId: z.string(),
  logs: z.array(z.object({ category: z.string(), enabled: z.literal(true) })),
});
const NetworkLocked = z.object({
  publicNetworkAccess: z.literal('Disabled'),
  networkAcls: z.object({ defaultAction: z.literal('Deny') }).optional(),
});

interface Found {
  file: string;
  symbol: string;
  type: string;
  existing: boolean;
  body: Record<string, unknown>;
}

let trees: Record<string, Tree> = {};
const all = (): Found[] =>
  Object.entries(trees).flatMap(([file, tree]) =>
    Object.entries(tree.resources).map(([symbol, r]) => ({ file, symbol, type: r.type, existing: r.existing, body: bodyOf(r.config) })),
  );
const inFile = (file: string, symbol: string) => all().find((r) => r.file === file && r.symbol === symbol);
const propertiesOf = (r: Found) => z.object({ properties: z.record(z.string(), z.unknown()) }).parse(r.body).properties;

/** The account a blob or queue service (or a container or queue under one) belongs to, by parent chain. */
function accountOf(r: Found): Found | undefined {
  if (r.type === 'Microsoft.Storage/storageAccounts') return r;
  const parent = Parented.parse(r.body).parent;
  const next = parent ? inFile(r.file, parent) : undefined;
  return next && accountOf(next);
}

beforeAll(() => {
  const venv = spawnSync('bash', ['scripts/infra-check.sh', '--venv'], { cwd: root, encoding: 'utf8', timeout: 900_000 });
  expect(venv.status, venv.stderr).toBe(0);
  const files = readdirSync(path.join(root, 'infra'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.bicep'))
    .map((f) => path.join('infra', f))
    .sort();
  const parsed = spawnSync(venv.stdout.trim(), ['scripts/infra/parse-bicep.py', '--json', ...files], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(parsed.status, parsed.stderr).toBe(0);
  trees = Trees.parse(JSON.parse(parsed.stdout));
  expect(Object.keys(trees)).toContain('infra/main.bicep');
}, 900_000);

describe('roles: each identity only what it uses', () => {
  const assignments = () =>
    all()
      .filter((r) => r.type === 'Microsoft.Authorization/roleAssignments')
      .map((r) => {
        const { scope, properties } = Scoped.parse(r.body);
        const role = RoleProperties.parse(properties);
        const scopeSymbol = symbolOf(scope);
        return {
          where: `${r.file}:${r.symbol}`,
          file: r.file,
          scope: scopeSymbol ? inFile(r.file, scopeSymbol) : undefined,
          principal: symbolOf(role.principalId),
          role: memberOf(role.roleDefinitionId.function.parameters.resource_name_1),
        };
      });

  it('there are role assignments to check, and each names a scope declared in its file (none falls to the resource group)', () => {
    expect(assignments().length).toBeGreaterThan(10);
    expect(
      assignments()
        .filter((a) => !a.scope)
        .map((a) => a.where),
    ).toEqual([]);
  });

  it('no role on a whole storage account or vault, but the SAS-signing key action that Azure accepts only there', () => {
    const wide = assignments().filter(
      (a) => a.scope && ['Microsoft.Storage/storageAccounts', 'Microsoft.KeyVault/vaults'].includes(a.scope.type),
    );
    // Storage Blob Delegator grants no data access: only the user delegation key whose SAS carry at most the
    // signer's own container roles: upload URLs, on the upload account alone. Reviewers see photos through
    // the API, so nothing signs a SAS for the data account.
    expect(wide.filter((a) => a.role !== 'storageBlobDelegator').map((a) => a.where)).toEqual([]);
    expect(wide.map((a) => a.scope && accountOf(a.scope)?.body.name)).toEqual(['uploadAccountName']);
    expect(wide.filter((a) => a.principal !== 'apiPrincipalId').map((a) => a.where)).toEqual([]);
  });

  it('Key Vault roles are per secret, granted to the readers the secret table names', () => {
    const vaultRoles = assignments().filter((a) => a.scope?.type.startsWith('Microsoft.KeyVault/'));
    expect(vaultRoles.length).toBeGreaterThan(0);
    expect(vaultRoles.map((a) => a.scope?.type)).toEqual(vaultRoles.map(() => 'Microsoft.KeyVault/vaults/secrets'));
    expect(vaultRoles.map((a) => a.principal)).toEqual(vaultRoles.map(() => 'principals'));
  });

  it('the Functions identity has no role on the archive; storage roles sit on containers and queues', () => {
    const onContainer = (name: string) =>
      assignments().filter(
        (a) => a.scope?.type === 'Microsoft.Storage/storageAccounts/blobServices/containers' && a.scope.body.name === name,
      );
    expect(onContainer(DEFAULT_CONTAINERS.archives).map((a) => a.principal)).toEqual(['workerPrincipalId']);
    expect(
      onContainer(DEFAULT_CONTAINERS.sealed)
        .map((a) => a.principal)
        .sort(),
    ).toEqual(['apiPrincipalId', 'workerPrincipalId']);
    const storage = assignments().filter((a) => a.scope?.type.startsWith('Microsoft.Storage/'));
    const allowed = [
      'Microsoft.Storage/storageAccounts/blobServices/containers',
      'Microsoft.Storage/storageAccounts/queueServices/queues',
      // The Functions host names its own queues, in its own account that holds nothing else.
      'Microsoft.Storage/storageAccounts/queueServices',
      'Microsoft.Storage/storageAccounts', // the delegator above, alone
    ];
    expect(storage.filter((a) => !allowed.includes(a.scope?.type ?? '')).map((a) => a.where)).toEqual([]);
    const services = storage.filter((a) => a.scope?.type === 'Microsoft.Storage/storageAccounts/queueServices');
    expect(services.map((a) => a.scope && accountOf(a.scope)?.body.name)).toEqual(['hostAccountName']);
  });
});

describe('logs an auditor can ask for', () => {
  const settings = () => all().filter((r) => r.type === 'Microsoft.Insights/diagnosticSettings' && !r.existing);
  const onto = (r: Found) => {
    const symbol = symbolOf(Scoped.parse(r.body).scope);
    return symbol ? inFile(r.file, symbol) : undefined;
  };
  const categories = (r: Found) => Logs.parse(propertiesOf(r)).logs.map((l) => l.category);

  it('every storage account logs blob reads, writes and deletes', () => {
    const accounts = all().filter((r) => r.type === 'Microsoft.Storage/storageAccounts' && !r.existing);
    expect(accounts.map((a) => a.file).sort()).toEqual([
      'infra/core/data-storage.bicep',
      'infra/core/host-storage.bicep',
      'infra/core/upload-storage.bicep',
    ]);
    for (const account of accounts) {
      const blob = settings().filter((s) => {
        const target = onto(s);
        return (
          target?.type === 'Microsoft.Storage/storageAccounts/blobServices' &&
          accountOf(target)?.symbol === account.symbol &&
          s.file === account.file
        );
      });
      expect(blob.map(categories), account.file).toEqual([['StorageRead', 'StorageWrite', 'StorageDelete']]);
    }
  });

  it('the vault logs AuditEvent; the Function App, the Event Grid topic and the registry log too', () => {
    const logged = (type: string) =>
      settings()
        .filter((s) => onto(s)?.type === type)
        .map(categories);
    expect(logged('Microsoft.KeyVault/vaults')).toEqual([['AuditEvent']]);
    expect(logged('Microsoft.Web/sites')).toEqual([['FunctionAppLogs']]);
    expect(logged('Microsoft.EventGrid/systemTopics')).toEqual([['DeliveryFailures']]);
    expect(logged('Microsoft.ContainerRegistry/registries')).toHaveLength(1);
  });

  it('an alert watches reads of sealed photos in those logs, sparing only the two identities (no SAS: reviewers read through the API)', () => {
    const alerts = trees['infra/app/alerts.bicep'] as Tree;
    const rule = all().find((r) => r.file === 'infra/app/alerts.bicep' && r.symbol === 'sealedPhotoReads');
    expect(rule?.type).toBe('Microsoft.Insights/scheduledQueryRules');
    expect(
      z
        .object({ scopes: z.array(z.unknown()) })
        .parse(rule && propertiesOf(rule))
        .scopes.map(symbolOf),
    ).toEqual(['workspace']);
    const query = JSON.stringify(alerts.variables.unexpectedSealedReads?.value);
    for (const part of ['StorageBlobLogs', 'StorageRead', '${sealedPrefix}', '${apiPrincipalId}', '${workerPrincipalId}'])
      expect(query).toContain(part);
    expect(query).not.toContain('Sas');
  });

  it("an alert names a reviewer whose reads of health data in an hour pass the app's threshold", () => {
    const alerts = trees['infra/app/alerts.bicep'] as Tree;
    const rules = JSON.stringify(alerts.variables.rules?.value);
    expect(rules).toContain('reviewer-reads-over-threshold');
    expect(rules).toContain('${readsOverThreshold}');
    expect(rules).toContain('by reviewer');
    expect(JSON.stringify(alerts.variables.readsOverThreshold?.value)).toContain('readsOverThreshold');
  });

  it('every diagnostic setting writes to the one workspace, which keeps at least 365 days', () => {
    for (const s of settings()) expect(Logs.parse(propertiesOf(s)).workspaceId, `${s.file}:${s.symbol}`).toBe('workspaceId');
    // Each module's workspaceId is the monitoring module's workspace.
    const main = trees['infra/main.bicep'] as Tree;
    const passed = Object.values(main.modules).flatMap((m) => {
      const params =
        z
          .object({ params: z.record(z.string(), z.unknown()) })
          .partial()
          .parse(m.config).params ?? {};
      return 'workspaceId' in params ? [params.workspaceId] : [];
    });
    expect(passed.length).toBeGreaterThanOrEqual(6);
    expect(passed.map((p) => symbolOf(p))).toEqual(passed.map(() => 'monitoring'));

    const monitoring = trees['infra/core/monitoring.bicep'] as Tree;
    const workspace = all().find((r) => r.file === 'infra/core/monitoring.bicep' && r.type === 'Microsoft.OperationalInsights/workspaces');
    expect(workspace && propertiesOf(workspace).retentionInDays).toBe('retentionInDays');
    const retention = monitoring.parameters.retentionInDays;
    expect(retention?.default).toBeGreaterThanOrEqual(365);
    expect(retention?.decorators.find((d) => d.type === 'min_value')?.argument).toBeGreaterThanOrEqual(365);
  });
});

describe('no public network access to health data or secrets', () => {
  const lockedTypes = ['Microsoft.Storage/storageAccounts', 'Microsoft.KeyVault/vaults', 'Microsoft.ContainerRegistry/registries'];

  it('only the upload account takes public traffic, and it holds only the upload location and its dead letters', () => {
    const open = all().filter((r) => lockedTypes.includes(r.type) && !r.existing && !NetworkLocked.safeParse(propertiesOf(r)).success);
    expect(open.map((r) => r.file)).toEqual(['infra/core/upload-storage.bicep']);
    const containers = all().filter((r) => r.file === 'infra/core/upload-storage.bicep' && r.type.endsWith('/containers'));
    const tree = trees['infra/core/upload-storage.bicep'] as Tree;
    expect(containers.map((c) => tree.variables[String(c.body.name)]?.value).sort()).toEqual(
      [DEFAULT_CONTAINERS.uploads, 'upload-events-deadletter'].sort(),
    );
  });

  it('sealed photos and the archive live in the private data account, reached through a private endpoint', () => {
    const tree = trees['infra/core/data-storage.bicep'] as Tree;
    const containers = all().filter((r) => r.file === 'infra/core/data-storage.bicep' && r.type.endsWith('/containers'));
    expect(containers.map((c) => tree.variables[String(c.body.name)]?.value).sort()).toEqual(
      [DEFAULT_CONTAINERS.sealed, DEFAULT_CONTAINERS.archives].sort(),
    );
    for (const c of containers) {
      const account = accountOf(c);
      expect(account && NetworkLocked.parse(propertiesOf(account)).publicNetworkAccess).toBe('Disabled');
    }
  });

  it('the data account, the host account, the vault and the registry each have a private endpoint', () => {
    for (const [file, groups] of Object.entries({
      'infra/core/data-storage.bicep': ['blob'],
      'infra/core/host-storage.bicep': ['blob', 'queue'],
      'infra/core/keyvault.bicep': ['vault'],
      'infra/core/registry.bicep': ['registry'],
    })) {
      const tree = trees[file] as Tree;
      const endpoints = Object.values(tree.modules)
        .filter((m) => m.detail?.path === 'private-endpoint.bicep')
        .map((m) => z.object({ params: z.object({ groupId: z.string(), targetId: z.unknown() }) }).parse(m.config).params);
      expect(endpoints.map((e) => e.groupId).sort(), file).toEqual(groups);
      const target = all().find((r) => r.file === file && lockedTypes.includes(r.type) && !r.existing);
      for (const e of endpoints) expect(symbolOf(e.targetId)).toBe(target?.symbol);
    }
  });
});

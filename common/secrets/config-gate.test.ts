import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config';
import { startConfigGate } from './config-gate';
import { KeyVaultUnavailableError, type SecretSource } from './key-vault';
import { secretsFor } from './secret-settings';

// What a process in Azure sees on its first deployment: every plain setting from the template, no secret
// (they live in Key Vault, possibly not put there yet).
const KEY = Buffer.alloc(32, 7).toString('base64');
const SIGNING_KEY = Buffer.alloc(32, 8).toString('base64');
const SERVICE_ACCOUNT = JSON.stringify({ project_id: 'reddyfit-prod', client_email: 'sa@x.iam', private_key: 'sa-key' });
const azureEnv: Record<string, string> = {
  TEMPORAL_ADDRESS: 'reddyfit.a1b2c.tmprl.cloud:7233',
  TEMPORAL_TLS: 'true',
  FIREBASE_PROJECT_ID: 'reddyfit-prod',
  ScanStorage__blobServiceUri: 'https://reddyfitscans.blob.core.windows.net',
  KEY_VAULT_URL: 'https://kv-reddyfit.vault.azure.net/',
  KEY_VAULT_REFRESH_SECONDS: '1',
};

/** A vault whose content the test changes; records what was asked. */
function memoryVault(initial: Record<string, string> = {}) {
  const secrets = new Map(Object.entries(initial));
  const asked: string[][] = [];
  let down: string | undefined;
  const source: SecretSource = {
    async read(names) {
      asked.push([...names]);
      if (down) throw new KeyVaultUnavailableError(down);
      return new Map(names.filter((n) => secrets.has(n)).map((n) => [n, secrets.get(n) ?? '']));
    },
  };
  const setDown = (reason?: string) => {
    down = reason;
  };
  return { source, secrets, asked, setDown };
}

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('startConfigGate', () => {
  it('without KEY_VAULT_URL: ready at once from the environment, as loadConfig', async () => {
    const { KEY_VAULT_URL: _, ...env } = azureEnv;
    const gate = startConfigGate(
      'worker',
      { ...env, PAYLOAD_ENCRYPTION_KEY: KEY, REVIEW_SIGNING_KEY: SIGNING_KEY, FIREBASE_SERVICE_ACCOUNT_JSON: SERVICE_ACCOUNT },
      { log: () => {} },
    );
    expect(gate.current().ready).toBe(true);
    expect((await gate.ready()).PAYLOAD_ENCRYPTION_KEY).toBe(KEY);
  });

  it('without KEY_VAULT_URL a missing secret is a bad setting, as before', () => {
    const { KEY_VAULT_URL: _, ...env } = azureEnv;
    expect(() => startConfigGate('worker', env, { log: () => {} })).toThrow(ConfigError);
  });

  it('a bad plain setting stops the process at once, whatever the vault holds', () => {
    const vault = memoryVault();
    const start = () => startConfigGate('worker', { ...azureEnv, MAX_PHOTO_BYTES: '12' }, { source: vault.source, log: () => {} });
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(/MAX_PHOTO_BYTES/);
    expect(vault.asked).toEqual([]);
  });

  it('waits, naming the missing secrets, and is ready once they are put in the vault', async () => {
    const vault = memoryVault();
    const logs: Array<{ msg: string; fields: Record<string, unknown> }> = [];
    const gate = startConfigGate('worker', azureEnv, { source: vault.source, log: (msg, fields) => logs.push({ msg, fields }) });
    await settle();
    const state = gate.current();
    expect(state.ready).toBe(false);
    if (state.ready) return;
    expect(state.secrets.map((s) => s.secret).sort()).toEqual([
      'firebase-worker-service-account',
      'payload-encryption-key',
      'review-signing-key',
    ]);
    expect(state.secrets.every((s) => s.problem === 'not in the vault (or not granted to this app)')).toBe(true);
    expect(vault.asked[0]).toEqual(secretsFor('worker').map((s) => s.secret));
    expect(logs).toHaveLength(1); // said once, not every second

    vault.secrets.set('payload-encryption-key', KEY);
    vault.secrets.set('firebase-worker-service-account', SERVICE_ACCOUNT);
    vault.secrets.set('review-signing-key', SIGNING_KEY);
    const config = await gate.ready();
    expect(config.PAYLOAD_ENCRYPTION_KEY).toBe(KEY);
    expect(config.FIREBASE_SERVICE_ACCOUNT_JSON).toBe(SERVICE_ACCOUNT);
    expect(gate.current().ready).toBe(true);
    expect(logs.at(-1)?.msg).toMatch(/secrets read from Key Vault/);
    gate.close();
  });

  it('an invalid secret is waited for with what is wrong, never its value', async () => {
    const shortKey = Buffer.alloc(16, 9).toString('base64');
    const vault = memoryVault({
      'payload-encryption-key': shortKey,
      'firebase-worker-service-account': SERVICE_ACCOUNT,
      'review-signing-key': SIGNING_KEY,
    });
    const logs: string[] = [];
    const gate = startConfigGate('worker', azureEnv, {
      source: vault.source,
      log: (msg, fields) => logs.push(JSON.stringify({ msg, fields })),
    });
    await settle();
    const state = gate.current();
    expect(state.ready).toBe(false);
    if (!state.ready)
      expect(state.secrets).toEqual([
        { setting: 'PAYLOAD_ENCRYPTION_KEY', secret: 'payload-encryption-key', problem: 'expected 32 bytes, base64-encoded' },
      ]);
    expect(logs.join('\n')).not.toContain(shortKey);
    gate.close();
  });

  it('a vault it cannot read is waited for, with the reason', async () => {
    const vault = memoryVault();
    vault.setDown("HTTP 403: the app's identity may read none of its secrets");
    const gate = startConfigGate('worker', azureEnv, { source: vault.source, log: () => {} });
    await settle();
    const state = gate.current();
    expect(state.ready).toBe(false);
    if (!state.ready) expect(state.vault).toMatch(/may read none of its secrets/);
    gate.close();
  });

  it('a secret set in the environment wins and is not asked for', async () => {
    const vault = memoryVault({ 'firebase-worker-service-account': SERVICE_ACCOUNT, 'review-signing-key': SIGNING_KEY });
    const gate = startConfigGate('worker', { ...azureEnv, PAYLOAD_ENCRYPTION_KEY: KEY }, { source: vault.source, log: () => {} });
    await gate.ready();
    expect(vault.asked[0]).not.toContain('payload-encryption-key');
    gate.close();
  });

  it("each process asks for its own secrets only: the Functions app never for the model key or the worker's Firebase key", async () => {
    const asked = async (reader: 'functions' | 'worker') => {
      const vault = memoryVault();
      const gate = startConfigGate(reader, azureEnv, { source: vault.source, log: () => {} });
      await settle();
      gate.close();
      return vault.asked[0] ?? [];
    };
    const functions = await asked('functions');
    const worker = await asked('worker');
    expect(functions).toContain('firebase-functions-service-account');
    expect(functions).not.toContain('firebase-worker-service-account');
    expect(functions).not.toContain('azure-openai-api-key');
    expect(worker).toContain('firebase-worker-service-account');
    expect(worker).not.toContain('firebase-functions-service-account');
  });
});

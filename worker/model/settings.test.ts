import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../common/config';
import { modelSettingsFromConfig } from './settings';

const local = {
  REDDYFIT_LOCAL_MODE: 'true',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  REVIEW_SIGNING_KEY: Buffer.alloc(32, 11).toString('base64'),
  FIREBASE_PROJECT_ID: 'demo-reddyfit',
  FIRESTORE_EMULATOR_HOST: '127.0.0.1:8080',
  FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099',
  ScanStorage:
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;',
};
const azure = {
  MODEL_PROVIDER: 'azure',
  AZURE_OPENAI_ENDPOINT: 'https://reddyfit.openai.azure.com',
  AZURE_OPENAI_API_VERSION: '2024-10-21',
  MODEL_DEPLOYMENT_DEFAULT: 'gpt-4o',
};

function problems(env: Record<string, string>) {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => p.setting).sort();
  }
  throw new Error('expected a ConfigError');
}

describe('model settings', () => {
  it('no provider: no model, the deterministic agents run alone', () => {
    expect(modelSettingsFromConfig(loadConfig(local))).toBeUndefined();
  });

  it('Azure with Entra ID (no key), a default deployment and a per-agent override', () => {
    const s = modelSettingsFromConfig(
      loadConfig({ ...local, ...azure, MODEL_DEPLOYMENT_NARRATIVE: 'gpt-4o-mini', MODEL_TIMEOUT_SECONDS: '20' }),
    )!;
    expect(s).toMatchObject({ provider: 'azure', apiKey: undefined, apiVersion: '2024-10-21', timeoutMs: 20_000, maxConcurrency: 4 });
    expect(s.deployments).toEqual({ quality: 'gpt-4o', estimation: 'gpt-4o', narrative: 'gpt-4o-mini' });
  });

  it('refuses bad combinations by name', () => {
    expect(problems({ ...local, MODEL_PROVIDER: 'azure' })).toEqual([
      'AZURE_OPENAI_API_VERSION',
      'AZURE_OPENAI_ENDPOINT',
      'MODEL_DEPLOYMENT_ESTIMATION',
      'MODEL_DEPLOYMENT_NARRATIVE',
      'MODEL_DEPLOYMENT_QUALITY',
    ]);
    expect(problems({ ...local, MODEL_PROVIDER: 'openai', MODEL_DEPLOYMENT_DEFAULT: 'gpt-4o-mini' })).toEqual([
      'OPENAI_API_KEY',
      'OPENAI_BASE_URL',
    ]);
    expect(problems({ ...local, ...azure, AZURE_OPENAI_API_VERSION: 'latest' })).toEqual(['AZURE_OPENAI_API_VERSION']);
    expect(problems({ ...local, ...azure, MODEL_TIMEOUT_SECONDS: '120' })).toEqual(['MODEL_TIMEOUT_SECONDS']);
    expect(problems({ ...local, MODEL_PROVIDER: 'anthropic' })).toEqual(['MODEL_PROVIDER']);
  });
});

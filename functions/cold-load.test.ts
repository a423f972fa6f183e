import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { productionEnv } from '../test/helpers/production-env';

// The Functions entry registers the whole function table; the SDKs behind the handlers load when a
// handler first needs them (common/clients/sdk-modules.ts), so a cold start pays for neither Firestore,
// Blob, Azure Identity nor the Temporal client. How long the load takes is measured by `npm run bench`;
// this pins down what it loads.
const root = path.resolve(__dirname, '..');
const SDKS = [
  '@google-cloud/firestore',
  'firebase-admin/lib/firestore',
  'firebase-admin/lib/auth',
  '@azure/storage-blob',
  '@azure/identity',
  '@temporalio/client',
  '@temporalio/proto',
  '@temporalio/envconfig',
  // The report's PDF renderer (~100 ms to load): only the PDF routes use it.
  'pdfkit',
  // OpenTelemetry's heavy parts: only @opentelemetry/api (a few kB) loads with the entry; the SDK, the
  // exporter and Temporal's interceptors load when Application Insights is configured or a client is made.
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/sdk-metrics',
  '@temporalio/interceptors-opentelemetry',
  '@azure/monitor-opentelemetry-exporter',
  'applicationinsights',
];

describe('the Functions entry module', () => {
  it('registers every function without loading the client SDKs', { timeout: 60_000 }, () => {
    const script = [
      "require('./functions/index.ts');",
      "const names = Object.keys(require.cache).map((f) => f.split('node_modules/').pop());",
      `const sdks = ${JSON.stringify(SDKS)};`,
      'process.stdout.write(JSON.stringify({ loaded: sdks.filter((s) => names.some((n) => n.startsWith(`${s}/`))),',
      " functions: names.some((n) => n.startsWith('@azure/functions/')) }));",
    ].join('\n');
    const res = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: root,
      // A complete production configuration (no emulators, no local mode): the entry validates it at load.
      env: { PATH: process.env.PATH, ...productionEnv() },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(res.status, res.stderr).toBe(0);
    // The last line: outside the Functions runtime @azure/functions logs its setup ("HTTP streaming enabled.") to the console.
    expect(JSON.parse(res.stdout.trim().split('\n').at(-1)!)).toEqual({ loaded: [], functions: true });
  });
});

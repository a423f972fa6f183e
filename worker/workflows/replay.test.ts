import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_PAYLOAD_KEY } from '../../common/temporal/local-dev-key';
import { FAILURE_CONVERTER_PATH, payloadDataConverter } from '../../common/temporal/payload-encryption';

// Recorded histories of every scenario (RECORD_HISTORIES=1 npm test) replayed against today's workflow
// code: a change that would make a running scan take a different path fails here, not in production.
const FIXTURES = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'histories');
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .sort();

let bundle: WorkflowBundle;
beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  bundle = await bundleWorkflowCode({
    workflowsPath: path.join(__dirname, 'index.ts'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
}, 120_000);

describe('workflow replay', () => {
  it('has recorded histories to replay', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(5);
  });

  it.each(fixtures)(
    'replays %s deterministically',
    async (file) => {
      const history = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'));
      // Fixtures come from the local stack, whose payload key is the published dev key.
      await Worker.runReplayHistory(
        { workflowBundle: bundle, dataConverter: payloadDataConverter({ PAYLOAD_ENCRYPTION_KEY: LOCAL_PAYLOAD_KEY }) },
        history,
        file.replace(/\.json$/, ''),
      );
    },
    60_000,
  );
});

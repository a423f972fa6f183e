import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { LOCAL_PAYLOAD_KEY } from '../common/temporal/local-dev-key';
import { historiesFromDir, replayAll } from './replay';

// Every recorded history (test/fixtures/histories, recorded with RECORD_HISTORIES=1 on the local stack and
// its published dev key) replays against today's workflow code, bundled as production bundles it and
// through the same replayAll that `npm run replay` uses: a change that would send a running scan down
// another path fails here, in `npm test`, not in production. A failure names the history.
const FIXTURES = path.resolve(__dirname, '..', 'test', 'fixtures', 'histories');

describe('recorded workflow histories', () => {
  it('replay against the current workflow code without non-determinism', { timeout: 180_000 }, async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(14);
    const report = await replayAll(historiesFromDir(FIXTURES), { PAYLOAD_ENCRYPTION_KEY: LOCAL_PAYLOAD_KEY });
    expect(report.failures).toEqual([]);
    expect(report.replayed).toBe(files.length);
  });
});

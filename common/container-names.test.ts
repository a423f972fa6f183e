import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTAINERS } from './config';

// Bicep cannot import TypeScript: this keeps the containers the deployment creates equal to the defaults.
describe('blob containers', () => {
  it('infra/core/storage.bicep creates the containers the config defaults name', () => {
    const bicep = readFileSync(path.join(__dirname, '..', 'infra', 'core', 'storage.bicep'), 'utf8');
    const created = [...bicep.matchAll(/^var \w+Container = '([^']+)'/gm)].map((m) => m[1]);
    // Plus one no process reads: Event Grid writes undeliverable upload events there (docs/design.md "No stranded scans").
    const infraOnly = ['upload-events-deadletter'];
    expect(created.sort()).toEqual([...Object.values(DEFAULT_CONTAINERS), ...infraOnly].sort());
  });
});

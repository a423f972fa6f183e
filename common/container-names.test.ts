import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTAINERS } from './config';

// Bicep cannot import TypeScript: this keeps the containers the deployment creates equal to the defaults.
describe('blob containers', () => {
  it('infra/modules/storage.bicep creates the containers the config defaults name', () => {
    const bicep = readFileSync(path.join(__dirname, '..', 'infra', 'modules', 'storage.bicep'), 'utf8');
    const created = [...bicep.matchAll(/containers@[^=]+=\s*\{[^}]*?name:\s*'([^']+)'/g)].map((m) => m[1]);
    expect(created.sort()).toEqual(Object.values(DEFAULT_CONTAINERS).sort());
  });
});

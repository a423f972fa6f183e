import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTAINERS } from './config';

// Bicep cannot import TypeScript: this keeps the containers the deployment creates equal to the defaults.
const createdIn = (file: string) =>
  [...readFileSync(path.join(__dirname, '..', 'infra', 'core', file), 'utf8').matchAll(/^var \w+Container = '([^']+)'/gm)].map((m) => m[1]);

describe('blob containers', () => {
  it('the upload account creates the upload container, the data account the sealed photos and the archive', () => {
    // Plus one no process reads: Event Grid writes undeliverable upload events there (docs/design.md "No stranded scans").
    expect(createdIn('upload-storage.bicep').sort()).toEqual([DEFAULT_CONTAINERS.uploads, 'upload-events-deadletter'].sort());
    expect(createdIn('data-storage.bicep').sort()).toEqual([DEFAULT_CONTAINERS.sealed, DEFAULT_CONTAINERS.archives].sort());
  });
});

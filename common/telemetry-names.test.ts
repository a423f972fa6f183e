import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import names from './telemetry-names.json';

// One home for telemetry names: the alert rules load common/telemetry-names.json (loadJsonContent) and
// name no metric themselves, so a renamed metric renames the alert's query with it.
const root = path.resolve(__dirname, '..');
const alerts = readFileSync(path.join(root, 'infra', 'app', 'alerts.bicep'), 'utf8');
const code = alerts.replace(/^\s*\/\/.*$/gm, ''); // comments may mention names

describe('telemetry names', () => {
  it('infra/app/alerts.bicep reads them from the one file the code reads', () => {
    const load = /loadJsonContent\('([^']+)'\)/.exec(code);
    expect(load?.[1]).toBeDefined();
    expect(path.resolve(root, 'infra', 'app', load![1]!)).toBe(path.join(root, 'common', 'telemetry-names.json'));
  });

  it('the alert queries name no metric or attribute literally', () => {
    const all = [...Object.values(names.scanMetrics), ...Object.values(names.temporalSdkMetrics)];
    for (const n of all) expect(code, n).not.toContain(n);
    expect(code).not.toMatch(/customDimensions\.\w+/);
    expect(code).not.toMatch(/name == "[a-z_]+"/);
  });

  it('every metric an alert rule queries is one the code emits', () => {
    // `var x = names.a.b` lines, then `${x}` uses inside the queries.
    const vars = new Map([...code.matchAll(/^var (\w+) = names\.([\w.]+)$/gm)].map((m) => [m[1]!, m[2]!]));
    const used = [...code.matchAll(/name == "\$\{(\w+)\}"/g)].map((m) => vars.get(m[1]!));
    expect(used.sort()).toEqual([
      'reviewMetrics.readsOverThreshold',
      'scanMetrics.archiveRuns',
      'scanMetrics.duration',
      'scanMetrics.outcomes',
      'temporalSdkMetrics.pollers',
    ]);
    for (const p of used) {
      const value = p!.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], names);
      expect(typeof value, p).toBe('string');
    }
  });
});

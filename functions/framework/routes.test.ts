import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { functions } from '../definitions';
import { matchRoute, methodNotAllowedFunctions, resolveRoute } from './routes';
import { type AnyHttpFunction, hostRoute } from './types';

describe('routes', () => {
  it('a catch-all {*name} takes the rest of the path, or none of it, as in Azure', () => {
    expect(matchRoute('review/{*path}', ['review'])).toEqual({ path: '' });
    expect(matchRoute('review/{*path}', ['review', 'index.html'])).toEqual({ path: 'index.html' });
    expect(matchRoute('review/{*path}', ['review', 'assets', 'index-x.js'])).toEqual({ path: 'assets/index-x.js' });
    expect(matchRoute('review/{*path}', ['reviews'])).toBeUndefined();
    expect(matchRoute('scans/{scanId}', ['scans', 'a', 'b'])).toBeUndefined();
  });

  it('the console hangs at the site root, every API route below api/ (host.json routePrefix is empty)', () => {
    const host = JSON.parse(readFileSync(path.resolve(__dirname, '../../host.json'), 'utf8'));
    expect(host.extensions.http.routePrefix).toBe('');
    const http = functions.filter((f): f is AnyHttpFunction => f.kind === 'http');
    const console = http.find((f) => f.name === 'reviewConsole')!;
    expect(hostRoute(console)).toBe('review/{*path}');
    for (const f of http.filter((d) => d !== console)) expect(hostRoute(f)).toBe(`api/${f.route}`);
    // Its 405 twin hangs where it does.
    const twin = methodNotAllowedFunctions(functions).find((f) => f.route === 'review/{*path}')!;
    expect(twin.mount).toBe('root');
    expect(twin.methods).not.toContain('GET');
    // A literal route wins over a catch-all.
    const defs: AnyHttpFunction[] = [console, { ...console, name: 'x', route: 'review/config.json' }];
    expect(resolveRoute(defs, 'GET', ['review', 'config.json'])?.def.name).toBe('x');
  });
});

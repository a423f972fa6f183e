import type { HttpMethod } from '@azure/functions';
import { methodNotAllowed } from '../errors';
import type { AnyHttpFunction, FunctionDefinition } from './types';

// Route templates in Azure syntax (`scans/{scanId}`), matched the way the Functions host does it:
// literal segments case-insensitively, a parameter takes one whole (decoded) segment.

export const ALL_METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE'];

type Segment = { literal: string } | { param: string } | { rest: string };

export function parseRouteTemplate(route: string): Segment[] {
  return route.split('/').map((s) => {
    const rest = /^\{\*([A-Za-z][A-Za-z0-9]*)\}$/.exec(s);
    if (rest) return { rest: rest[1]! };
    const m = /^\{([A-Za-z][A-Za-z0-9]*)\}$/.exec(s);
    return m ? { param: m[1]! } : { literal: s.toLowerCase() };
  });
}

/** The parameters when the decoded path segments (below `api/`) match the template. */
export function matchRoute(route: string, segments: string[]): Record<string, string> | undefined {
  const template = parseRouteTemplate(route);
  const last = template[template.length - 1];
  // A catch-all `{*name}` (last segment only, as in Azure) takes zero or more segments.
  const catchAll = last && 'rest' in last ? last.rest : undefined;
  if (catchAll ? segments.length < template.length - 1 : template.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  if (catchAll) params[catchAll] = segments.slice(template.length - 1).join('/');
  for (let i = 0; i < (catchAll ? template.length - 1 : template.length); i++) {
    const t = template[i]!;
    const s = segments[i]!;
    if ('rest' in t) return undefined;
    if ('literal' in t) {
      if (t.literal !== s.toLowerCase()) return undefined;
    } else {
      if (s === '') return undefined;
      params[t.param] = s;
    }
  }
  return params;
}

/**
 * For each route, one extra function taking every other method and answering 405 with `Allow`. Derived
 * from the table (never written by hand), registered in Azure and served by the local host alike.
 */
export function methodNotAllowedFunctions(defs: readonly FunctionDefinition[]): AnyHttpFunction[] {
  const byRoute = new Map<string, { route: string; mount: 'api' | 'root'; used: Set<HttpMethod> }>();
  for (const d of defs) {
    if (d.kind !== 'http') continue;
    const mount = d.mount ?? 'api';
    const key = `${mount}:${d.route}`;
    const entry = byRoute.get(key) ?? { route: d.route, mount, used: new Set<HttpMethod>() };
    for (const m of d.methods) entry.used.add(m);
    byRoute.set(key, entry);
  }
  return [...byRoute.values()].map(({ route, mount, used }) => {
    const allowed = ALL_METHODS.filter((m) => used.has(m));
    return {
      kind: 'http',
      name: `methodNotAllowed_${mount === 'root' ? 'root_' : ''}${route.replace(/[{}*]/g, '').replace(/[^A-Za-z0-9]+/g, '_')}`,
      route,
      ...(mount === 'root' ? { mount } : {}),
      methods: ALL_METHODS.filter((m) => !used.has(m)),
      auth: 'anonymous',
      summary: `Other methods on /${mount === 'root' ? '' : 'api/'}${route}`,
      tags: ['internal'],
      responses: { 405: { description: 'method not allowed', codes: ['method_not_allowed'] } },
      internal: true,
      handler: async () => {
        throw methodNotAllowed(allowed);
      },
    } as AnyHttpFunction;
  });
}

export interface RouteMatch {
  def: AnyHttpFunction;
  params: Record<string, string>;
}

/** Finds the function for a method and decoded path segments; routes with more literal segments win. */
export function resolveRoute(defs: readonly AnyHttpFunction[], method: string, segments: string[]): RouteMatch | undefined {
  const candidates: Array<RouteMatch & { literals: number }> = [];
  for (const def of defs) {
    if (!def.methods.includes(method as HttpMethod)) continue;
    const params = matchRoute(def.route, segments);
    if (params)
      candidates.push({
        def,
        params,
        literals: parseRouteTemplate(def.route).filter((s) => 'literal' in s).length - (def.route.includes('{*') ? 0.5 : 0),
      });
  }
  candidates.sort((a, b) => b.literals - a.literals);
  const best = candidates[0];
  return best ? { def: best.def, params: best.params } : undefined;
}

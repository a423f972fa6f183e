import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ReviewConsoleConfigSchema } from '../../common/contracts/api';
import type { Deps } from '../deps';
import { ApiProblem } from '../errors';
import { defineHttp } from '../framework/types';

// The reviewer's console (review-console/, built by Vite into dist/review-console/): its files under
// /review/, served by this app so the page and the API share one origin, plus /review/config.json (what
// the page needs to sign in with Firebase Auth here). No member data is served here: the page reads the
// queue from GET /api/reviews with the reviewer's ID token.

/** Where `npm run build` / the test setup put the console (ignored, never committed). */
export const REVIEW_CONSOLE_DIST = path.join('dist', 'review-console');

/** The app root: the nearest folder above this module with a package.json (the repo, or the deployed package). */
function appRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Strict CSP: scripts and styles from this origin only (no inline code), photos as `blob:` object URLs of
 * what the console fetched from this API with the reviewer's token (no storage origin: no storage URL is
 * handed out), network calls to this API and to Firebase Auth (the emulator locally).
 */
export function consoleSecurityHeaders(deps: Deps): Record<string, string> {
  const emulated = Boolean(deps.config.FIREBASE_AUTH_EMULATOR_HOST);
  const auth = emulated
    ? `http://${deps.config.FIREBASE_AUTH_EMULATOR_HOST}`
    : 'https://identitytoolkit.googleapis.com https://securetoken.googleapis.com';
  // The SMS second factor needs reCAPTCHA in Identity Platform (its script and frame); the emulator skips it.
  const recaptcha = emulated ? '' : ' https://www.google.com/recaptcha/ https://www.gstatic.com/recaptcha/';
  return {
    'Content-Security-Policy': [
      "default-src 'none'",
      `script-src 'self'${recaptcha}`,
      ...(emulated ? [] : ['frame-src https://www.google.com/recaptcha/ https://recaptcha.google.com/recaptcha/']),
      "style-src 'self'",
      "img-src 'self' blob:",
      `connect-src 'self' ${auth}`,
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

const ParamsSchema = z.object({
  // Built file names only: letters, digits, dot, dash, underscore, one folder level (assets/).
  path: z
    .string()
    .regex(/^(?:[A-Za-z0-9_-]+\/)?(?:[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127})?$/, 'not a console file')
    .optional(),
});

export const reviewConsole = defineHttp({
  kind: 'http',
  name: 'reviewConsole',
  route: 'review/{*path}',
  mount: 'root',
  methods: ['GET'],
  auth: 'anonymous',
  summary: "The reviewer's console (static files) and its sign-in settings (/review/config.json)",
  tags: ['review'],
  params: ParamsSchema,
  responses: {
    200: { description: 'a console file, or its settings' },
    404: { description: 'no such file', codes: ['not_found'] },
    503: { description: 'the console is not built or not configured here', codes: ['service_unavailable'] },
  },
  async handler({ params, deps }) {
    const headers = consoleSecurityHeaders(deps);
    const file = params.path || 'index.html';
    if (file === 'config.json') {
      const c = deps.config;
      const apiKey = c.FIREBASE_WEB_API_KEY ?? (c.FIREBASE_AUTH_EMULATOR_HOST ? 'local-emulator' : undefined);
      if (!apiKey) throw new ApiProblem('service_unavailable', 'the review console is not configured here (FIREBASE_WEB_API_KEY)');
      if (!c.STAFF_TENANT_ID) throw new ApiProblem('service_unavailable', 'the review console is not configured here (STAFF_TENANT_ID)');
      const body = ReviewConsoleConfigSchema.parse({
        firebase: { apiKey, projectId: c.FIREBASE_PROJECT_ID, authDomain: `${c.FIREBASE_PROJECT_ID}.firebaseapp.com` },
        ...(c.FIREBASE_AUTH_EMULATOR_HOST ? { authEmulatorUrl: `http://${c.FIREBASE_AUTH_EMULATOR_HOST}` } : {}),
        apiBase: '/api',
        staffTenantId: c.STAFF_TENANT_ID,
      });
      return { status: 200, body, headers };
    }
    const dist = path.join(appRoot(), REVIEW_CONSOLE_DIST);
    if (!existsSync(path.join(dist, 'index.html')))
      throw new ApiProblem('service_unavailable', 'the review console is not built (npm run build, or npm run demo builds it)');
    const full = path.join(dist, file);
    if (!full.startsWith(dist + path.sep) || !statSync(full, { throwIfNoEntry: false })?.isFile())
      throw new ApiProblem('not_found', 'no such console file');
    const type = CONTENT_TYPES[path.extname(full)] ?? 'application/octet-stream';
    // Vite names built assets by content hash: they may be cached for good; the page itself is re-read.
    const cache: Record<string, string> = file.startsWith('assets/') ? { 'Cache-Control': 'public, max-age=31536000, immutable' } : {};
    return { status: 200, rawBody: readFileSync(full), headers: { ...headers, 'Content-Type': type, ...cache } };
  },
});

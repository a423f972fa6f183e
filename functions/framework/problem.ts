import type { z } from 'zod';

// RFC 9457 problem details. Every error the HTTP API returns goes through here, so the shape, the
// media type and the rule "field paths only, never values" live in one place.

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://api.reddyfit.app/problems/';

export type ProblemLocation = 'body' | 'params' | 'query' | 'header';

/** One invalid field: where it was, its path and JSON pointer, the issue code and a value-free message. */
export interface ProblemFieldError {
  in: ProblemLocation;
  path: string;
  pointer: string;
  code: string;
  detail: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: ProblemFieldError[];
  [extension: string]: unknown;
}

export interface ProblemInit {
  status: number;
  code: string;
  title: string;
  detail?: string;
  instance?: string;
  errors?: ProblemFieldError[];
  /** Extension members (identifiers only; never health data or echoed input). */
  extensions?: Record<string, unknown>;
}

/** Builds a problem document; `type` is a stable URI derived from the code. */
export function problem(init: ProblemInit): Problem {
  const out: Problem = {
    ...(init.extensions ?? {}),
    type: `${PROBLEM_TYPE_BASE}${init.code}`,
    title: init.title,
    status: init.status,
    detail: init.detail ?? init.title,
    code: init.code,
  };
  if (init.instance) out.instance = init.instance;
  if (init.errors?.length) out.errors = init.errors;
  return out;
}

/**
 * Base class of every error that maps to a problem response. Subclasses fix `name`, `code`, `status`
 * and `title`, so callers match on the class or the code, never on a message.
 */
export abstract class ProblemError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  abstract readonly title: string;
  readonly errors?: ProblemFieldError[];
  readonly extensions?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(
    detail?: string,
    opts: { errors?: ProblemFieldError[]; extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    if (opts.errors) this.errors = opts.errors;
    if (opts.extensions) this.extensions = opts.extensions;
    if (opts.headers) this.headers = opts.headers;
  }

  toProblem(instance?: string): Problem {
    return problem({
      status: this.status,
      code: this.code,
      title: this.title,
      detail: this.message || this.title,
      instance,
      errors: this.errors,
      extensions: this.extensions,
    });
  }
}

const SAFE_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

function segment(p: PropertyKey): string {
  if (typeof p === 'number') return String(p);
  const s = String(p);
  return SAFE_KEY.test(s) ? s : '(unprintable)';
}

function escapePointer(s: string): string {
  return s.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * Field errors from a zod error: the path and zod's issue code with a value-free message. Unknown
 * keys are reported as their own path (names only, clipped to safe characters); nothing the client
 * sent as a value is ever repeated.
 */
export function fieldErrorsFrom(error: z.ZodError, where: ProblemLocation): ProblemFieldError[] {
  const out: ProblemFieldError[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(segment);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys.slice(0, 10)) out.push(fieldError(where, [...base, segment(key)], 'unrecognized_key', 'unknown field'));
      continue;
    }
    out.push(fieldError(where, base, issue.code, messageFor(issue)));
    if (out.length >= 50) break;
  }
  return out;
}

function fieldError(where: ProblemLocation, path: string[], code: string, detail: string): ProblemFieldError {
  return {
    in: where,
    path: path.join('.') || '(root)',
    pointer: `#/${path.map(escapePointer).join('/')}`,
    code,
    detail,
  };
}

/** zod's own messages name expectations, not inputs; they are clipped anyway and custom ones kept short. */
function messageFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_big':
      return `too big: at most ${String(issue.maximum)}`;
    case 'too_small':
      return `too small: at least ${String(issue.minimum)}`;
    case 'invalid_value':
      return 'not one of the allowed values';
    case 'invalid_format':
      return `expected format ${issue.format}`;
    case 'invalid_union':
      return 'does not match any allowed shape';
    default:
      return (issue.message || 'invalid').slice(0, 120);
  }
}

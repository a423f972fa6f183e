import { ApplicationFailure } from '@temporalio/activity';
import { APIConnectionTimeoutError, APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { modelFailure, retryAfterMs } from './errors';

const apiError = (status: number, headers: Record<string, string> = {}) =>
  APIError.generate(status, { error: { message: 'x' } }, 'x', new Headers(headers));

describe('model faults as activity failures', () => {
  it('reads Retry-After in seconds, as a date, and retry-after-ms', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6000);
    expect(retryAfterMs(new Headers({ 'retry-after': '100000' }))).toBe(600_000);
    expect(retryAfterMs(new Headers({}))).toBeUndefined();
  });

  it('429 is retryable after the server-given delay', () => {
    const f = modelFailure(apiError(429, { 'retry-after': '2' }), 'quality') as ApplicationFailure;
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.type).toBe('ModelRateLimited');
    expect(f.nonRetryable).toBe(false);
    expect(f.nextRetryDelay).toBe(2000);
  });

  it('5xx and timeouts retry with backoff; other 4xx do not retry', () => {
    const e500 = modelFailure(apiError(500), 'q') as ApplicationFailure;
    expect([e500.type, e500.nonRetryable, e500.nextRetryDelay]).toEqual(['ModelUnavailable', false, undefined]);
    const timeout = modelFailure(new APIConnectionTimeoutError(), 'q') as ApplicationFailure;
    expect([timeout.type, timeout.nonRetryable]).toEqual(['ModelTimeout', false]);
    const e400 = modelFailure(apiError(400), 'q') as ApplicationFailure;
    expect([e400.type, e400.nonRetryable]).toEqual(['ModelRequestRejected', true]);
  });
});

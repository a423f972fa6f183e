import { ApplicationFailure } from '@temporalio/activity';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { FailureType } from '../../common/contracts/failures';

// Model API faults as activity failures. Temporal owns every retry (the client has maxRetries 0):
//   429 → retryable, next attempt after the server's Retry-After (nextRetryDelay);
//   5xx, 408, connection errors, timeouts → retryable with the activity's backoff;
//   any other 4xx → non-retryable (the request itself is wrong; retrying cannot fix it).
// Messages carry the status and agent only, never request or response content.

/** Longest Retry-After honoured; a larger value still waits this long before the next attempt. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Retry-After (seconds or HTTP date) or retry-after-ms, in milliseconds. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return Math.min(ms, MAX_RETRY_AFTER_MS);
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number(raw);
  const value = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(raw) - now;
  return Number.isFinite(value) ? Math.min(Math.max(0, value), MAX_RETRY_AFTER_MS) : undefined;
}

/** True when the fault is worth another attempt later (429, 5xx, timeouts, unreachable). */
export function isTransientModelFailure(err: unknown): boolean {
  return (
    err instanceof ApplicationFailure &&
    !err.nonRetryable &&
    ([FailureType.ModelRateLimited, FailureType.ModelUnavailable, FailureType.ModelTimeout] as string[]).includes(err.type ?? '')
  );
}

export function modelFailure(err: unknown, agent: string): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof APIUserAbortError) return err; // the activity was cancelled: let the cancellation through
  if (err instanceof APIConnectionTimeoutError) {
    return ApplicationFailure.create({ type: FailureType.ModelTimeout, message: `${agent}: model request timed out` });
  }
  if (err instanceof APIConnectionError) {
    return ApplicationFailure.create({ type: FailureType.ModelUnavailable, message: `${agent}: model endpoint unreachable` });
  }
  if (err instanceof APIError) {
    const status = err.status ?? 0;
    if (status === 429) {
      const delay = retryAfterMs(err.headers);
      return ApplicationFailure.create({
        type: FailureType.ModelRateLimited,
        message: `${agent}: model rate limited (429)${delay !== undefined ? `, retry after ${delay} ms` : ''}`,
        ...(delay !== undefined ? { nextRetryDelay: delay } : {}),
      });
    }
    if (status >= 500 || status === 408) {
      return ApplicationFailure.create({ type: FailureType.ModelUnavailable, message: `${agent}: model API error ${status}` });
    }
    return ApplicationFailure.create({
      type: FailureType.ModelRequestRejected,
      message: `${agent}: model API refused the request (${status})`,
      nonRetryable: true,
    });
  }
  return err;
}

import { ApplicationFailure } from '@temporalio/activity';
import type { z } from 'zod';
import { FailureType } from '../../common/contracts/failures';

/**
 * Parses an activity's input or output. A mismatch is a programming error retrying cannot fix; the
 * message names the fields only, never their values (they may be health data).
 */
export function parseOrFail<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ');
  throw ApplicationFailure.create({
    type: FailureType.InvalidActivityInput,
    message: `${what} is invalid at: ${fields}`,
    nonRetryable: true,
  });
}

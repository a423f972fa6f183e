import { DefaultFailureConverter } from '@temporalio/common';

// Failure messages and stack traces go into an encoded payload (then through the same encryption codec as
// every other payload), so no error text sits in plain text in Temporal's database, `workflow show` or the
// archive. Loaded by path (`failureConverterPath`) so the workflow sandbox uses the same converter.
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });

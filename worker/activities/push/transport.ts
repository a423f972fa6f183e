import { z } from 'zod';

/** What a push says: that something is ready, and which scan. No numbers, no photos, no URLs. */
export const PushMessageSchema = z.object({
  userId: z.string(),
  title: z.string(),
  body: z.string(),
  data: z.object({ type: z.string(), scanId: z.string() }).strict(),
  /** Same key for the same scan outcome: lets devices and receivers collapse a repeat. */
  collapseKey: z.string(),
});
export type PushMessage = z.infer<typeof PushMessageSchema>;

export interface PushTransport {
  readonly kind: 'fcm' | 'webhook';
  /**
   * Sends the message to the member's recipients, except `alreadyAccepted` (recipients an earlier attempt
   * of this same message reached); `delivered` counts the recipients that accepted it in this call.
   */
  send(message: PushMessage, alreadyAccepted?: readonly string[]): Promise<{ delivered: number }>;
}

/**
 * Some recipients did not take the message and may later (FCM's 429/5xx, a network fault): the attempt
 * fails so the activity retries, and `acceptedBy` names the recipients that did take it, so the retry
 * does not send to them again. `retryAfterMs`: the provider's Retry-After, when it gave one.
 */
export class PushNotAccepted extends Error {
  constructor(
    message: string,
    readonly acceptedBy: readonly string[],
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'PushNotAccepted';
  }
}

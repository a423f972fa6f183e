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
  send(message: PushMessage): Promise<{ delivered: number }>;
}

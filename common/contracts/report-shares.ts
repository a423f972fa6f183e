import { z } from 'zod';
import { ScanIdSchema, UserIdSchema } from './scan';

// A member's link to one report for someone without an account (a coach): POST /api/scans/{scanId}/shares
// makes one, GET lists the scan's links, DELETE revokes one; GET /api/shared/{token} (and /report.pdf)
// opens it. The token is the credential: it is answered once, at creation, and only its SHA-256 is stored
// (reportShares/{shareId}), so a copy of the database opens no report.

/** The longest lifetime a member may choose for a link. */
export const MAX_SHARE_LIFETIME_DAYS = 30;
/** Links of one scan open at once (neither revoked nor expired): enough for a coach and a few others. */
export const MAX_ACTIVE_SHARES_PER_SCAN = 5;
/** Links ever made for one scan, revoked and expired ones included: bounds what one scan's list holds. */
export const MAX_SHARES_PER_SCAN = 50;

/** The link's secret: 32 random bytes, base64url (43 characters). */
export const SHARE_TOKEN_BYTES = 32;
export const ShareTokenPattern = /^[A-Za-z0-9_-]{43}$/;
export const ShareIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16}$/, 'expected a share id');
export const TokenHashSchema = z.string().regex(/^[0-9a-f]{64}$/);

/** A first name as the member wants it shown: letters (any script), spaces, hyphens, apostrophes, dots. */
export const ShareFirstNameSchema = z
  .string()
  .trim()
  .regex(/^\p{L}[\p{L}\p{M} .'’-]{0,39}$/u, 'expected a first name: 1..40 letters, spaces, hyphens or apostrophes');

export const CreateShareRequestSchema = z
  .object({
    lifetimeDays: z
      .number()
      .int()
      .min(1)
      .max(MAX_SHARE_LIFETIME_DAYS)
      .meta({ description: `how long the link opens the report, 1..${MAX_SHARE_LIFETIME_DAYS} days` }),
    firstName: ShareFirstNameSchema.optional().meta({
      description: 'shown on the shared report when given; without it the report names nobody',
    }),
  })
  .strict();
export type CreateShareRequest = z.input<typeof CreateShareRequestSchema>;

export const ShareParamsSchema = z.object({ scanId: ScanIdSchema, shareId: ShareIdSchema }).strict();
/**
 * The token as the route carries it. Any string is accepted here so that a malformed token gets the same
 * 404 as a well-formed unknown one (nothing tells a guesser which guesses were closer).
 */
export const SharedReportParamsSchema = z
  .object({ token: z.string().meta({ description: 'the secret part of the link, as POST .../shares answered it' }) })
  .strict();

export const ShareStateSchema = z.enum(['active', 'revoked', 'expired']);
export type ShareState = z.infer<typeof ShareStateSchema>;

/** A link as its member sees it (the token is not among it: it is not stored). */
export const ShareSchema = z.object({
  shareId: ShareIdSchema,
  scanId: ScanIdSchema,
  state: ShareStateSchema,
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().optional(),
  firstName: z.string().optional(),
});
export type Share = z.infer<typeof ShareSchema>;
/** The answer to POST: the link itself, the only time it is given. */
export const CreatedShareSchema = ShareSchema.extend({
  url: z.string().meta({ description: 'the report page for the coach; append /report.pdf for the PDF. Shown only now' }),
  pdfUrl: z.string(),
});
export const ShareListResponseSchema = z.object({ items: z.array(ShareSchema) });

/** reportShares/{shareId} while the member's data exists. */
export const ShareDocumentSchema = z
  .object({
    shareId: ShareIdSchema,
    tokenHash: TokenHashSchema,
    ownerId: UserIdSchema,
    scanId: ScanIdSchema,
    createdAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().optional(),
    firstName: z.string().optional(),
  })
  .strict();
export type ShareDocument = z.infer<typeof ShareDocumentSchema>;

/**
 * reportShares/{shareId} after the member's erasure: only the token's hash and when the link would have
 * expired, so its holder reads 410 as for a revoked link; nothing names the member or the scan.
 */
export const ErasedShareDocumentSchema = z
  .object({ shareId: ShareIdSchema, tokenHash: TokenHashSchema, expiresAt: z.string(), erasedAt: z.string() })
  .strict();
export type ErasedShareDocument = z.infer<typeof ErasedShareDocumentSchema>;

export const StoredShareSchema = z.union([ShareDocumentSchema, ErasedShareDocumentSchema]);
export type StoredShare = z.infer<typeof StoredShareSchema>;

export const isErasedShare = (s: StoredShare): s is ErasedShareDocument => 'erasedAt' in s;

/** Where a link stands at `now`. */
export function shareState(s: Pick<ShareDocument, 'expiresAt' | 'revokedAt'>, now: Date): ShareState {
  if (s.revokedAt) return 'revoked';
  return Date.parse(s.expiresAt) <= now.getTime() ? 'expired' : 'active';
}

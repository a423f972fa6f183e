import { type Angle, AngleSchema, ScanIdSchema, UserIdSchema } from '../../common/contracts/scan';

export interface UploadBlobName {
  userId: string;
  scanId: string;
  angle: Angle;
}

/**
 * Parses `{userId}/{scanId}/{angle}` strictly: exactly three segments, each matching its schema, no
 * extension, no encoding tricks. Anything else is not a scan upload and yields undefined.
 */
export function parseUploadBlobName(name: string): UploadBlobName | undefined {
  if (typeof name !== 'string' || name.length > 300) return undefined;
  const parts = name.split('/');
  if (parts.length !== 3) return undefined;
  const [userId, scanId, angle] = parts as [string, string, string];
  const u = UserIdSchema.safeParse(userId);
  const s = ScanIdSchema.safeParse(scanId);
  const a = AngleSchema.safeParse(angle);
  if (!u.success || !s.success || !a.success) return undefined;
  return { userId: u.data, scanId: s.data, angle: a.data };
}

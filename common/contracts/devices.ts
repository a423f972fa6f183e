import { z } from 'zod';

// A member's app installations that receive push (SPEC section 5): registered through
// PUT /api/me/devices/{installationId}, stored as users/{uid}/devices/{installationId}, read by the FCM
// transport. The FCM token is a credential for pushing to that phone: it is never answered back.

/** At most this many installations per member; registering one more drops the least recently refreshed. */
export const MAX_DEVICES_PER_MEMBER = 10;

/** The app's own id for one installation (a Firebase installation id, or a UUID the app keeps). */
export const InstallationIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'expected 8..64 characters of A-Z a-z 0-9 _ -');
/** An FCM registration token as the Firebase SDKs hand it out (today about 160 characters). */
export const FcmTokenSchema = z.string().regex(/^[A-Za-z0-9_:.-]{32,4096}$/, 'expected an FCM registration token');
export const DevicePlatformSchema = z.enum(['ios', 'android', 'web']);
export const AppVersionSchema = z.string().regex(/^[A-Za-z0-9._+-]{1,32}$/, 'expected an app version such as 1.4.2 or 1.4.2+203');
/** A BCP 47 language tag (en, en-GB, pt-BR, zh-Hant-TW): the language the app shows push texts in. */
export const LocaleSchema = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/, 'expected a BCP 47 language tag such as en-GB');

export const DeviceDocumentSchema = z.object({
  installationId: InstallationIdSchema,
  token: FcmTokenSchema,
  platform: DevicePlatformSchema,
  appVersion: AppVersionSchema,
  locale: LocaleSchema,
  /** When this installation was first registered. */
  registeredAt: z.string(),
  /** When the app last registered or refreshed it: the oldest is dropped beyond the limit. */
  updatedAt: z.string(),
});
export type DeviceDocument = z.infer<typeof DeviceDocumentSchema>;

import { randomBytes, randomUUID } from 'node:crypto';

/** A registration token of the shape the Firebase SDKs hand out: `<installation>:APA91b<base64url>`. */
export const fcmToken = () => `${randomBytes(16).toString('base64url')}:APA91b${randomBytes(96).toString('base64url')}`;
export const newInstallationId = () => `inst-${randomUUID().slice(0, 18)}`;
/** The body of PUT /api/me/devices/{installationId}. */
export const deviceRegistration = (token = fcmToken()) => ({ token, platform: 'ios' as const, appVersion: '2.3.1+104', locale: 'en-GB' });

import type { Auth } from 'firebase-admin/auth';
import type { Config } from '../../common/config';

/**
 * Creates (or reuses) an Auth-emulator user and returns a real ID token for it: a custom token from
 * firebase-admin, exchanged at the emulator's Identity Toolkit endpoint, as the app's sign-in would.
 */
export async function idTokenFor(auth: Auth, config: Config, uid: string, claims: Record<string, unknown> = {}): Promise<string> {
  if (!config.FIREBASE_AUTH_EMULATOR_HOST) throw new Error('idTokenFor needs the Auth emulator');
  try {
    await auth.getUser(uid);
  } catch {
    await auth.createUser({ uid, email: `${uid}@example.test` });
  }
  if (Object.keys(claims).length) await auth.setCustomUserClaims(uid, claims);
  const customToken = await auth.createCustomToken(uid);
  const res = await fetch(
    `http://${config.FIREBASE_AUTH_EMULATOR_HOST}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken?key=emulator-key`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: customToken, returnSecureToken: true }),
    },
  );
  if (!res.ok) throw new Error(`Auth emulator refused the custom token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { idToken: string }).idToken;
}

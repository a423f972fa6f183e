import { createHash, randomUUID } from 'node:crypto';
import type { Auth, BaseAuth } from 'firebase-admin/auth';
import type { Config } from '../../common/config';

// Real ID tokens from the Auth emulator, obtained the way the apps and the console sign in (Identity
// Toolkit REST), for tests, the demo and the bench.

type Tokens = { idToken: string; refreshToken: string };

function emulatorHost(config: Config): string {
  if (!config.FIREBASE_AUTH_EMULATOR_HOST) throw new Error('signing in here needs the Auth emulator');
  return `http://${config.FIREBASE_AUTH_EMULATOR_HOST}`;
}

async function post<T>(config: Config, path: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(`${emulatorHost(config)}/${path}${path.includes('?') ? '&' : '?'}key=emulator-key`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`Auth emulator refused ${path.split('?')[0]}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * A token whose sign-in (`auth_time`) lies `secondsAgo` in the past: the account's last sign-in is moved back
 * (with its tokens-valid-after time before it, or the token would count as revoked) and the refresh token
 * exchanged, as a browser does when its session outlives the hour of one ID token.
 */
async function signedInAgo(config: Config, tenantId: string | undefined, uid: string, tokens: Tokens, secondsAgo: number) {
  const now = Date.now();
  const where = tenantId ? `projects/${config.FIREBASE_PROJECT_ID}/tenants/${tenantId}` : `projects/${config.FIREBASE_PROJECT_ID}`;
  await post(
    config,
    `identitytoolkit.googleapis.com/v1/${where}/accounts:update`,
    { localId: uid, lastLoginAt: String(now - secondsAgo * 1000), validSince: String(Math.floor(now / 1000 - secondsAgo - 60)) },
    { authorization: 'Bearer owner' }, // the emulator's admin credential
  );
  const refreshed = await post<{ id_token: string }>(config, 'securetoken.googleapis.com/v1/token', {
    grant_type: 'refresh_token',
    refresh_token: tokens.refreshToken,
  });
  return refreshed.id_token;
}

export interface SignInOptions {
  /** The sign-in happened this long ago (default: now). */
  signedInSecondsAgo?: number;
}

/**
 * Creates (or reuses) a member's Auth-emulator account and returns a real ID token for it: a custom token
 * from firebase-admin, exchanged at the emulator's Identity Toolkit endpoint, as the app's sign-in would.
 */
export async function idTokenFor(
  auth: Auth,
  config: Config,
  uid: string,
  claims: Record<string, unknown> = {},
  opts: SignInOptions = {},
): Promise<string> {
  emulatorHost(config);
  try {
    await auth.getUser(uid);
  } catch {
    await auth.createUser({ uid, email: `${uid}@example.test` });
  }
  if (Object.keys(claims).length) await auth.setCustomUserClaims(uid, claims);
  const customToken = await auth.createCustomToken(uid);
  const tokens = await post<Tokens>(config, 'identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken', {
    token: customToken,
    returnSecureToken: true,
  });
  return opts.signedInSecondsAgo ? signedInAgo(config, undefined, uid, tokens, opts.signedInSecondsAgo) : tokens.idToken;
}

export interface StaffSignInOptions extends SignInOptions {
  /** Complete the second factor (SMS code) after the password (default true); false: an account with none enrolled. */
  secondFactor?: boolean;
  /** Sign in to the members' accounts instead of the staff tenant (what an attacker with a member's reviewer claim would hold). */
  membersTenant?: boolean;
}

/** The one phone number an account's second factor is enrolled with (fake: 555 numbers). */
const staffPhoneFor = (uid: string) =>
  `+1555${(Number.parseInt(createHash('sha256').update(uid).digest('hex').slice(0, 8), 16) % 1e7).toString().padStart(7, '0')}`;
const staffPasswordFor = (uid: string) => `pw-${createHash('sha256').update(`staff:${uid}`).digest('hex').slice(0, 16)}`;

export interface StaffAccount {
  uid: string;
  email: string;
  password: string;
  /** The phone enrolled as the second factor (none: enrolled with none). */
  phoneNumber?: string;
  /** The staff tenant, or undefined for the members' accounts. */
  tenantId?: string;
}

/**
 * Creates (or updates) a staff account in the staff tenant (STAFF_TENANT_ID): an email, a password and an
 * SMS second factor, with `claims` (its roles), as an administrator sets one up in Identity Platform.
 */
export async function staffAccount(
  auth: Auth,
  config: Config,
  uid: string,
  claims: Record<string, unknown>,
  opts: Omit<StaffSignInOptions, 'signedInSecondsAgo'> = {},
): Promise<StaffAccount> {
  const secondFactor = opts.secondFactor ?? true;
  const tenantId = opts.membersTenant ? undefined : config.STAFF_TENANT_ID;
  if (!opts.membersTenant && !tenantId) throw new Error('a staff account needs STAFF_TENANT_ID');
  const accounts: BaseAuth = tenantId ? auth.tenantManager().authForTenant(tenantId) : auth;
  const email = `${uid}@staff.example.test`;
  const password = staffPasswordFor(uid);
  const phoneNumber = staffPhoneFor(uid);
  const existing = await accounts.getUser(uid).catch(() => undefined);
  // An update names each factor by its enrollment id (the emulator requires it); a new account gets one assigned.
  const enrolled = { factorId: 'phone', phoneNumber, uid: existing?.multiFactor?.enrolledFactors[0]?.uid ?? `sms-${randomUUID()}` };
  if (existing) await accounts.updateUser(uid, { password, multiFactor: { enrolledFactors: secondFactor ? [enrolled] : null } });
  else {
    const factors = secondFactor ? { multiFactor: { enrolledFactors: [{ factorId: 'phone', phoneNumber }] } } : {};
    await accounts.createUser({ uid, email, password, emailVerified: true, ...factors });
  }
  await accounts.setCustomUserClaims(uid, claims);
  return { uid, email, password, ...(secondFactor ? { phoneNumber } : {}), ...(tenantId ? { tenantId } : {}) };
}

/**
 * A staff account (staffAccount) signed in as the console does: the password, then the SMS code the
 * emulator sent (read from its verification-code list), giving a token with `firebase.tenant` and
 * `firebase.sign_in_second_factor`. Every test that needs a reviewer or an operator gets its token here.
 */
export async function staffIdTokenFor(
  auth: Auth,
  config: Config,
  uid: string,
  claims: Record<string, unknown>,
  opts: StaffSignInOptions = {},
): Promise<string> {
  emulatorHost(config);
  const { email, password, phoneNumber, tenantId } = await staffAccount(auth, config, uid, claims, opts);
  const secondFactor = phoneNumber !== undefined;
  const tenant = tenantId ? { tenantId } : {};
  const first = await post<Partial<Tokens> & { mfaPendingCredential?: string; mfaInfo?: Array<{ mfaEnrollmentId: string }> }>(
    config,
    'identitytoolkit.googleapis.com/v1/accounts:signInWithPassword',
    { email, password, returnSecureToken: true, ...tenant },
  );
  let tokens: Tokens;
  if (!secondFactor) {
    if (!first.idToken || !first.refreshToken) throw new Error('expected a sign-in without a second factor');
    tokens = { idToken: first.idToken, refreshToken: first.refreshToken };
  } else {
    if (!first.mfaPendingCredential || !first.mfaInfo?.[0]) throw new Error('expected the second factor to be asked for');
    const started = await post<{ phoneResponseInfo: { sessionInfo: string } }>(
      config,
      'identitytoolkit.googleapis.com/v2/accounts/mfaSignIn:start',
      {
        mfaPendingCredential: first.mfaPendingCredential,
        mfaEnrollmentId: first.mfaInfo[0].mfaEnrollmentId,
        ...tenant,
      },
    );
    const sessionInfo = started.phoneResponseInfo.sessionInfo;
    const code = await smsCodeSent(config, tenantId, { sessionInfo });
    tokens = await post<Tokens>(config, 'identitytoolkit.googleapis.com/v2/accounts/mfaSignIn:finalize', {
      mfaPendingCredential: first.mfaPendingCredential,
      phoneVerificationInfo: { sessionInfo, code },
      ...tenant,
    });
  }
  return opts.signedInSecondsAgo ? signedInAgo(config, tenantId, uid, tokens, opts.signedInSecondsAgo) : tokens.idToken;
}

/** The SMS code the emulator "sent" for a verification session (it lists them instead of sending). */
export async function smsCodeSent(
  config: Config,
  tenantId: string | undefined,
  sentFor: { sessionInfo: string } | { phoneNumber: string },
): Promise<string> {
  const where = tenantId ? `projects/${config.FIREBASE_PROJECT_ID}/tenants/${tenantId}` : `projects/${config.FIREBASE_PROJECT_ID}`;
  const res = await fetch(`${emulatorHost(config)}/emulator/v1/${where}/verificationCodes`);
  if (!res.ok) throw new Error(`Auth emulator verification codes: ${res.status}`);
  const { verificationCodes = [] } = (await res.json()) as {
    verificationCodes?: Array<{ code: string; sessionInfo: string; phoneNumber: string }>;
  };
  const found = verificationCodes
    .filter((c) => ('sessionInfo' in sentFor ? c.sessionInfo === sentFor.sessionInfo : c.phoneNumber === sentFor.phoneNumber))
    .at(-1);
  if (!found) throw new Error('no SMS code was sent for this sign-in');
  return found.code;
}

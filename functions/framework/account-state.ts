import type { BaseAuth, DecodedIdToken } from 'firebase-admin/auth';

// What firebase-admin's verifyIdToken(token, checkRevoked = true) reads on every call (Identity Toolkit's
// accounts:lookup: a call from Azure to Google that spends its quota and fails the request when that
// service is slow), read at most once per member per ACCOUNT_STATE_MAX_AGE_MS instead. The price is a
// stated window: a session signed out everywhere, or an account disabled, can still use member routes
// for up to that long. Routes where that matters (DELETE /api/me, staff) check the account on every request.

/** How old the account state a member route relies on may be: the window in which a revoked session still works. */
export const ACCOUNT_STATE_MAX_AGE_MS = 30_000;
/** Members whose state is kept (oldest dropped first): bounds the memory, never the window. */
const MAX_ENTRIES = 10_000;

/** The account state that decides whether a verified token still stands. */
export interface AccountState {
  disabled: boolean;
  /** Tokens signed in before this (ms) are revoked (`tokensValidAfterTime`). */
  validSinceMs?: number;
}

/** Why a verified token does not stand, or undefined when it does (whole seconds, as Firebase counts). */
export function refusalOf(claims: Pick<DecodedIdToken, 'auth_time'>, state: AccountState): 'disabled' | 'revoked' | undefined {
  if (state.disabled) return 'disabled';
  if (state.validSinceMs !== undefined && claims.auth_time * 1000 < state.validSinceMs) return 'revoked';
  return undefined;
}

/** The account's state as Identity Toolkit has it now (throws the SDK's auth/ error for an account that is gone). */
export async function lookUpAccountState(auth: BaseAuth, uid: string): Promise<AccountState> {
  const user = await auth.getUser(uid);
  const validSince = user.tokensValidAfterTime ? Date.parse(user.tokensValidAfterTime) : Number.NaN;
  return { disabled: user.disabled, ...(Number.isNaN(validSince) ? {} : { validSinceMs: validSince }) };
}

interface Entry {
  /** When the lookup started: the state is at least as new as this, so its age is counted from here. */
  startedAt: number;
  state: Promise<AccountState>;
}

/**
 * Account states per uid, each used for at most `maxAgeMs` after its lookup started; concurrent requests
 * of one member share one lookup. A failed lookup is not kept.
 */
export class AccountStateCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly lookUp: (uid: string) => Promise<AccountState>,
    private readonly nowMs: () => number,
    readonly maxAgeMs = ACCOUNT_STATE_MAX_AGE_MS,
  ) {}

  state(uid: string): Promise<AccountState> {
    const now = this.nowMs();
    const kept = this.entries.get(uid);
    if (kept && now - kept.startedAt < this.maxAgeMs && now >= kept.startedAt) return kept.state;
    this.entries.delete(uid);
    const entry: Entry = { startedAt: now, state: this.lookUp(uid) };
    entry.state.catch(() => {
      if (this.entries.get(uid) === entry) this.entries.delete(uid);
    });
    this.entries.set(uid, entry);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    return entry.state;
  }
}

import type { BlobServiceClient } from '@azure/storage-blob';
import type { Client } from '@temporalio/client';
import type { Auth } from 'firebase-admin/auth';
import type { Firestore } from 'firebase-admin/firestore';
import { createBlobService, createDataBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { sharedTemporalClient } from '../common/clients/temporal';
import type { Config } from '../common/config';
import { type ConfigGate, startConfigGateOrExit } from '../common/secrets/config-gate';
import { secretsPending } from './errors';
import { AccountStateCache, lookUpAccountState } from './framework/account-state';
import { createUploadSigner, type UploadSigner } from './scans/upload-urls';

/** Everything a handler needs, created once per process and reused across invocations. */
export interface Deps {
  config: Config;
  db: Firestore;
  auth: Auth;
  /** The public upload account (SCAN_UPLOADS_CONTAINER). */
  blob: BlobServiceClient;
  /** The private account of sealed photos and archives (ScanDataStorage; the upload account's on a laptop). */
  dataBlob: BlobServiceClient;
  /** The process's one Temporal client (connected on first use). */
  temporal(): Promise<Client>;
  signer: UploadSigner;
  /** Members' account states for token checks, each at most ACCOUNT_STATE_MAX_AGE_MS old. */
  memberAccountStates: AccountStateCache;
  now(): Date;
  /** Releases what this process opened for these deps (the Firebase app); the Temporal client stays shared. */
  close(): Promise<void>;
}

export interface DepsOverrides {
  firebaseAppName?: string;
  temporal?: () => Promise<Client>;
  blob?: BlobServiceClient;
  dataBlob?: BlobServiceClient;
  now?: () => Date;
}

export function createDeps(config: Config, overrides: DepsOverrides = {}): Deps {
  const firebase = createFirebase(config, overrides.firebaseAppName);
  const blob = overrides.blob ?? createBlobService(config);
  // A test's stand-in for the upload account serves the sealed photos too, unless it brings its own.
  const dataBlob = overrides.dataBlob ?? (overrides.blob ? blob : createDataBlobService(config));
  return {
    config,
    db: firebase.db,
    auth: firebase.auth,
    blob,
    dataBlob,
    temporal: overrides.temporal ?? (() => sharedTemporalClient(config)),
    signer: createUploadSigner(config, blob),
    // A monotonic clock: the window must not stretch when the wall clock (or a test's `now`) moves.
    memberAccountStates: new AccountStateCache(
      (uid) => lookUpAccountState(firebase.auth, uid),
      () => performance.now(),
    ),
    now: overrides.now ?? (() => new Date()),
    close: () => firebase.close(),
  };
}

let gate: ConfigGate | undefined;
let shared: Deps | undefined;

/**
 * The Functions app's configuration: every setting checked when the entry loads (a bad one stops the
 * process and is named); the secrets read from Key Vault, waited for while they are not there.
 */
export function sharedConfigGate(): ConfigGate {
  gate ??= startConfigGateOrExit('functions');
  return gate;
}

/** The Functions host's dependencies, once the configuration is complete; until then the secrets_pending problem (503). */
export function sharedDeps(): Deps {
  if (shared) return shared;
  const state = sharedConfigGate().current();
  if (!state.ready) throw secretsPending(sharedConfigGate().startup.KEY_VAULT_REFRESH_SECONDS);
  shared = createDeps(state.config);
  return shared;
}

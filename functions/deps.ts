import type { BlobServiceClient } from '@azure/storage-blob';
import type { Client } from '@temporalio/client';
import type { Auth } from 'firebase-admin/auth';
import type { Firestore } from 'firebase-admin/firestore';
import { loadConfigOrExit, type Config } from '../common/config';
import { createBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { sharedTemporalClient } from '../common/clients/temporal';
import { createUploadSigner, type UploadSigner } from './scans/upload-urls';

/** Everything a handler needs, created once per process and reused across invocations. */
export interface Deps {
  config: Config;
  db: Firestore;
  auth: Auth;
  blob: BlobServiceClient;
  /** The process's one Temporal client (connected on first use). */
  temporal(): Promise<Client>;
  signer: UploadSigner;
  now(): Date;
  /** Releases what this process opened for these deps (the Firebase app); the Temporal client stays shared. */
  close(): Promise<void>;
}

export interface DepsOverrides {
  firebaseAppName?: string;
  temporal?: () => Promise<Client>;
  blob?: BlobServiceClient;
  now?: () => Date;
}

export function createDeps(config: Config, overrides: DepsOverrides = {}): Deps {
  const firebase = createFirebase(config, overrides.firebaseAppName);
  const blob = overrides.blob ?? createBlobService(config);
  return {
    config,
    db: firebase.db,
    auth: firebase.auth,
    blob,
    temporal: overrides.temporal ?? (() => sharedTemporalClient(config)),
    signer: createUploadSigner(config, blob),
    now: overrides.now ?? (() => new Date()),
    close: () => firebase.close(),
  };
}

let shared: Deps | undefined;

/** The Functions host's dependencies: config validated at start-up (a bad setting stops the process). */
export function sharedDeps(): Deps {
  shared ??= createDeps(loadConfigOrExit());
  return shared;
}

import type { App } from 'firebase-admin/app';
import type { Auth } from 'firebase-admin/auth';
import type { Firestore } from 'firebase-admin/firestore';
import type { Config } from '../config';
import { firebaseAppSdk, firebaseAuthSdk, firestoreSdk } from './sdk-modules';

export interface FirebaseClients {
  app: App;
  db: Firestore;
  auth: Auth;
  close(): Promise<void>;
}

/**
 * firebase-admin against the real service or the emulators. The Auth emulator is only
 * picked up from process.env, so the validated setting is copied there before the app starts.
 */
export function createFirebase(config: Config, name = '[DEFAULT]'): FirebaseClients {
  if (config.FIREBASE_AUTH_EMULATOR_HOST) process.env.FIREBASE_AUTH_EMULATOR_HOST = config.FIREBASE_AUTH_EMULATOR_HOST;
  if (config.FIRESTORE_EMULATOR_HOST) process.env.FIRESTORE_EMULATOR_HOST = config.FIRESTORE_EMULATOR_HOST;
  // Outside Google Cloud there is no metadata server to ask for credentials (Azure, a laptop): skip the probe.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const { cert, deleteApp, getApps, initializeApp } = firebaseAppSdk();
  const existing = getApps().find((a) => a.name === name);
  const app =
    existing ??
    initializeApp(
      {
        projectId: config.FIREBASE_PROJECT_ID,
        ...(config.FIREBASE_SERVICE_ACCOUNT_JSON ? { credential: cert(JSON.parse(config.FIREBASE_SERVICE_ACCOUNT_JSON)) } : {}),
      },
      name,
    );
  const db = firestoreSdk().getFirestore(app);
  if (!existing && config.FIRESTORE_EMULATOR_HOST) {
    db.settings({ host: config.FIRESTORE_EMULATOR_HOST, ssl: false, ignoreUndefinedProperties: true });
  } else if (!existing) {
    db.settings({ ignoreUndefinedProperties: true });
  }
  return {
    app,
    db,
    // On first use: the worker never verifies tokens, and firebase-admin/auth (JWT and JWKS libraries) would
    // cost it a few MiB for nothing.
    get auth() {
      return firebaseAuthSdk().getAuth(app);
    },
    close: () => deleteApp(app),
  };
}

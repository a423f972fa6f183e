// The heavy SDKs, loaded on first use rather than when a module that mentions them is loaded: the
// Functions app's entry module loads the whole function table, so every eager SDK import was paid at
// cold start by every request, even health (`npm run bench` measures the entry's cold load). Type-only
// imports of these SDKs stay free; values come through these accessors.

/** The module, loaded on the first call and kept (a hot path such as the payload codec calls it often). */
function onFirstUse<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}

export const firebaseAppSdk = onFirstUse(() => require('firebase-admin/app') as typeof import('firebase-admin/app'));
export const firebaseAuthSdk = onFirstUse(() => require('firebase-admin/auth') as typeof import('firebase-admin/auth'));
export const firestoreSdk = onFirstUse(() => require('firebase-admin/firestore') as typeof import('firebase-admin/firestore'));
export const blobSdk = onFirstUse(() => require('@azure/storage-blob') as typeof import('@azure/storage-blob'));
export const azureIdentitySdk = onFirstUse(() => require('@azure/identity') as typeof import('@azure/identity'));
export const temporalClientSdk = onFirstUse(() => require('@temporalio/client') as typeof import('@temporalio/client'));
export const temporalEnvconfigSdk = onFirstUse(() => require('@temporalio/envconfig') as typeof import('@temporalio/envconfig'));
export const temporalOtelClientSdk = onFirstUse(
  () => require('@temporalio/interceptors-opentelemetry/lib/client') as typeof import('@temporalio/interceptors-opentelemetry/lib/client'),
);
export const temporalProtoSdk = onFirstUse(() => require('@temporalio/proto') as typeof import('@temporalio/proto'));
export const keyVaultSecretsSdk = onFirstUse(() => require('@azure/keyvault-secrets') as typeof import('@azure/keyvault-secrets'));
/** pdfkit (~100 ms to load): only the report's PDF routes use it. */
export const pdfkitModule = onFirstUse(() => require('pdfkit') as typeof import('pdfkit'));

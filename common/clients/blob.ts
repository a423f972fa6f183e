import type { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { Config } from '../config';
import { azureIdentitySdk, blobSdk } from './sdk-modules';

/**
 * The upload account's client from the Functions-style connection setting: a connection string locally
 * (Azurite), the account URL plus managed identity in Azure (no keys).
 */
export function createBlobService(config: Config): BlobServiceClient {
  const { BlobServiceClient } = blobSdk();
  if (config.ScanStorage) return BlobServiceClient.fromConnectionString(config.ScanStorage);
  return new BlobServiceClient(config.ScanStorage__blobServiceUri!, new (azureIdentitySdk().DefaultAzureCredential)());
}

/** The private account of sealed photos and archives (ScanDataStorage); the upload account's when it is not set. */
export function createDataBlobService(config: Config): BlobServiceClient {
  const { BlobServiceClient } = blobSdk();
  if (config.ScanDataStorage) return BlobServiceClient.fromConnectionString(config.ScanDataStorage);
  if (config.ScanDataStorage__blobServiceUri)
    return new BlobServiceClient(config.ScanDataStorage__blobServiceUri, new (azureIdentitySdk().DefaultAzureCredential)());
  return createBlobService(config);
}

/** The shared key from a connection string, when there is one (Azurite; SAS signing without a user delegation key). */
export function sharedKeyCredential(connectionString: string | undefined): StorageSharedKeyCredential | undefined {
  if (!connectionString) return undefined;
  const parts = Object.fromEntries(
    connectionString
      .split(';')
      .filter(Boolean)
      .map((kv) => {
        const i = kv.indexOf('=');
        return [kv.slice(0, i), kv.slice(i + 1)];
      }),
  );
  return parts.AccountName && parts.AccountKey
    ? new (blobSdk().StorageSharedKeyCredential)(parts.AccountName, parts.AccountKey)
    : undefined;
}

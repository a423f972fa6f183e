import type { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { Config } from '../config';
import { azureIdentitySdk, blobSdk } from './sdk-modules';

/**
 * Blob client from the Functions-style connection setting: a connection string locally (Azurite),
 * the account URL plus managed identity in Azure (no keys).
 */
export function createBlobService(config: Config): BlobServiceClient {
  const { BlobServiceClient } = blobSdk();
  if (config.ScanStorage) return BlobServiceClient.fromConnectionString(config.ScanStorage);
  return new BlobServiceClient(config.ScanStorage__blobServiceUri!, new (azureIdentitySdk().DefaultAzureCredential)());
}

/** The shared key from a connection string, when there is one (Azurite; SAS signing without a user delegation key). */
export function sharedKeyCredential(config: Config): StorageSharedKeyCredential | undefined {
  if (!config.ScanStorage) return undefined;
  const parts = Object.fromEntries(
    config.ScanStorage.split(';')
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

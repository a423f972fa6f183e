import type { BlobServiceClient, UserDelegationKey } from '@azure/storage-blob';
import { sharedKeyCredential } from '../../common/clients/blob';
import { blobSdk } from '../../common/clients/sdk-modules';
import type { Config } from '../../common/config';

export const ACCEPTED_PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

export interface SignedUpload {
  url: string;
  expiresAt: Date;
}

/**
 * Signs one upload URL per blob: create only (`sp=c`: no read, list, delete, overwrite or lease), that
 * blob only, short expiry. A SAS cannot pin the uploaded content type, so the upload trigger checks type,
 * magic bytes and size of every photo instead.
 */
export interface UploadSigner {
  /** Until when a URL signed at `now` is valid: known before signing, so it can be on record before any URL exists. */
  expiresAt(now: Date): Date;
  sign(blobName: string, now: Date): Promise<SignedUpload>;
}

/**
 * Create, not write: with `w` a member can take an infinite lease on their photo through the upload URL
 * (every delete without the lease id then fails) and overwrite it after its checks. With `c` alone Azure
 * (and Azurite) refuse a lease and any write to a blob that exists, so an upload happens once per name: a
 * retried PUT whose first attempt landed gets 403 and the photo is there; a member who wants another photo
 * cancels and starts a new scan. `c` still allows a snapshot, which every delete takes with the blob
 * (common/clients/blob-delete.ts).
 */
export const UPLOAD_SAS_PERMISSIONS = 'c';

export function createUploadSigner(config: Config, blob: BlobServiceClient): UploadSigner {
  return createSasSigner(
    config.ScanStorage,
    blob,
    config.SCAN_UPLOADS_CONTAINER,
    UPLOAD_SAS_PERMISSIONS,
    config.UPLOAD_URL_TTL_MINUTES * 60_000,
  );
}

function createSasSigner(
  connectionString: string | undefined,
  blob: BlobServiceClient,
  containerName: string,
  permissions: typeof UPLOAD_SAS_PERMISSIONS,
  ttlMs: number,
): UploadSigner {
  const container = blob.getContainerClient(containerName);
  const sharedKey = sharedKeyCredential(connectionString);
  const local = /^http:/i.test(blob.url);
  let delegation: { key: UserDelegationKey; validUntil: number } | undefined;

  // Managed identity in Azure: a user delegation key (valid for hours, cached), never an account key.
  async function delegationKey(now: Date): Promise<UserDelegationKey> {
    if (delegation && delegation.validUntil > now.getTime() + ttlMs + 60_000) return delegation.key;
    const startsOn = new Date(now.getTime() - 5 * 60_000);
    const expiresOn = new Date(now.getTime() + 6 * 3600_000);
    const key = await blob.getUserDelegationKey(startsOn, expiresOn);
    delegation = { key, validUntil: expiresOn.getTime() };
    return key;
  }

  const expiresAt = (now: Date) => new Date(now.getTime() + ttlMs);
  return {
    expiresAt,
    async sign(blobName, now) {
      const { BlobSASPermissions, generateBlobSASQueryParameters, SASProtocol } = blobSdk();
      const expiresOn = expiresAt(now);
      const values = {
        containerName,
        blobName,
        permissions: BlobSASPermissions.parse(permissions),
        startsOn: new Date(now.getTime() - 60_000), // clock skew
        expiresOn,
        protocol: local ? SASProtocol.HttpsAndHttp : SASProtocol.Https,
      };
      const sas = sharedKey
        ? generateBlobSASQueryParameters(values, sharedKey)
        : generateBlobSASQueryParameters(values, await delegationKey(now), blob.accountName);
      return { url: `${container.getBlockBlobClient(blobName).url}?${sas.toString()}`, expiresAt: expiresOn };
    },
  };
}

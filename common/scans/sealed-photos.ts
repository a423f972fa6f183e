import { createHash } from 'node:crypto';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { deleteBlobEntirely } from '../clients/blob-delete';
import { isBlobStatus } from '../clients/blob-errors';
import { ANGLES, type Angle } from '../contracts/scan';
import type { PhotoSeal, PhotoSeals } from '../contracts/scan-document';

// Sealed photos. At submit the four uploads are copied, byte for byte as they were inspected, into
// SEALED_PHOTOS_CONTAINER; from then on only the copies are analysed, kept or deleted, and anything
// written to the upload location is a late write (ignored, logged, deleted by the upload trigger).
//
// Why this holds in Azure, not only in Azurite: a member can write only through the upload URLs, which
// are SAS tokens signed for one blob name in SCAN_UPLOADS_CONTAINER (sr=b, create only; a user
// delegation SAS in Azure, where shared keys are disabled on the account). Azure Storage authorises every
// request against the SAS's signed resource, so no upload URL can reach another container; the sealed
// copies are written by the functions app's managed identity only. The copy is read with If-Match on the
// ETag the checks saw (a write between the checks and the copy fails the read with 412, and the seal is
// retried from fresh checks), written with If-None-Match: * (write-once: two concurrent submits seal the
// same bytes), and its ETag and content MD5 are recorded on the scan document in the write that queues the
// scan. Activities read the copies with If-Match on that ETag and check the MD5 of the bytes they got, so
// even a copy replaced by an operator fails as a stable photo rejection ('photos_changed'), never as
// an analysis of other photos.

/** The two places a scan's photos live, each on its own account's client (uploads public, sealed private). */
export interface SealContainers {
  uploads: ContainerClient;
  sealed: ContainerClient;
}

/** The detail code of a photo whose sealed copy is gone or differs from what was sealed. */
export const PHOTOS_CHANGED = 'photos_changed';

/** An upload changed between its checks and its copy; the caller checks it again. */
export class UploadChangedError extends Error {
  constructor(readonly angle: Angle) {
    super(`the ${angle} upload changed while it was being sealed`);
  }
}

/** A sealed copy is missing or is not the sealed bytes. */
export class SealBrokenError extends Error {
  constructor(readonly angle: Angle) {
    super(`the sealed ${angle} photo is not the one sealed at submit`);
  }
}

const md5Base64 = (bytes: Buffer) => createHash('md5').update(bytes).digest('base64');

/**
 * Copies each upload, at the ETag its checks saw, to the sealed container (write-once) and returns what
 * was sealed. Throws UploadChangedError when an upload moved on since its checks.
 */
export async function sealUploads(
  containers: SealContainers,
  names: Partial<Record<Angle, string>>,
  checkedEtags: Partial<Record<Angle, string>>,
): Promise<PhotoSeals> {
  const { uploads, sealed } = containers;
  const entries = await Promise.all(
    ANGLES.filter((a) => names[a]).map(async (angle) => {
      const name = names[angle]!;
      const target = sealed.getBlockBlobClient(name);
      const etag = checkedEtags[angle];
      if (!etag) throw new UploadChangedError(angle);
      let body: Buffer | undefined;
      let contentType: string | undefined;
      try {
        const source = uploads.getBlockBlobClient(name);
        const props = await source.getProperties({ conditions: { ifMatch: etag } });
        contentType = props.contentType;
        body = await source.downloadToBuffer(0, undefined, { conditions: { ifMatch: etag } });
      } catch (err) {
        // 412: written again since the checks; 404: deleted since. Either way the checks are stale.
        if (!isBlobStatus(err, 404, 412)) throw err;
      }
      if (body) {
        try {
          await target.uploadData(body, {
            conditions: { ifNoneMatch: '*' },
            blobHTTPHeaders: { blobContentType: contentType, blobContentMD5: Buffer.from(md5Base64(body), 'base64') },
          });
        } catch (err) {
          // Sealed already (a concurrent or retried submit): the first seal stands.
          if (!isBlobStatus(err, 409, 412)) throw err;
        }
      }
      // The upload may be gone because a concurrent submit sealed it and removed it: the copy counts.
      const seal = await sealOf(sealed, name);
      if (!seal) throw new UploadChangedError(angle);
      return [angle, seal] as const;
    }),
  );
  return Object.fromEntries(entries) as PhotoSeals;
}

/** ETag, MD5 and size of a sealed copy as stored, or undefined when there is none. */
async function sealOf(sealed: ContainerClient, name: string) {
  try {
    const props = await sealed.getBlockBlobClient(name).getProperties();
    if (!props.etag || !props.contentMD5) return undefined;
    return { etag: props.etag, md5: Buffer.from(props.contentMD5).toString('base64'), bytes: props.contentLength ?? 0 };
  } catch (err) {
    if (isBlobStatus(err, 404)) return undefined;
    throw err;
  }
}

/**
 * The bytes of one sealed photo, exactly as sealed: read with If-Match on the recorded ETag and checked
 * against the recorded MD5. Throws SealBrokenError otherwise (a retry cannot bring the sealed bytes back).
 */
export async function readSealedPhoto(sealed: ContainerClient, name: string, angle: Angle, seal: PhotoSeal) {
  let bytes: Buffer;
  try {
    bytes = await sealed.getBlockBlobClient(name).downloadToBuffer(0, undefined, { conditions: { ifMatch: seal.etag } });
  } catch (err) {
    if (isBlobStatus(err, 404, 412)) throw new SealBrokenError(angle);
    throw err;
  }
  if (md5Base64(bytes) !== seal.md5) throw new SealBrokenError(angle);
  return bytes;
}

/**
 * Deletes a scan's photos wherever they are: the upload location and the sealed copies, leases broken,
 * snapshots and versions included (deleteBlobEntirely).
 */
export async function deleteScanPhotos(containers: SealContainers, names: Partial<Record<Angle, string>>) {
  const deleted = await Promise.all(
    [containers.uploads, containers.sealed].flatMap((c) => Object.values(names).map((name) => deleteBlobEntirely(c, name))),
  );
  return deleted.filter(Boolean).length;
}

/** Deletes the upload-location copies only (after sealing, or a late write), leases broken, snapshots and versions included. */
export async function deleteUploads(uploads: ContainerClient, names: Partial<Record<Angle, string>>) {
  await Promise.all(Object.values(names).map((name) => deleteBlobEntirely(uploads, name)));
}

/** `blob` is the upload account's client, `dataBlob` the sealed photos' (the same account on a laptop). */
export const sealContainers = (
  config: { SCAN_UPLOADS_CONTAINER: string; SEALED_PHOTOS_CONTAINER: string },
  blob: BlobServiceClient,
  dataBlob: BlobServiceClient,
): SealContainers => ({
  uploads: blob.getContainerClient(config.SCAN_UPLOADS_CONTAINER),
  sealed: dataBlob.getContainerClient(config.SEALED_PHOTOS_CONTAINER),
});

import type { BlobItem, ContainerClient } from '@azure/storage-blob';
import { isBlobStatus } from './blob-errors';

// The one way the project deletes a member's blob (an upload or a sealed photo), whatever the member did
// to it through an upload URL: a lease makes every delete without its id fail (412 LeaseIdMissing), a
// snapshot makes a delete without `x-ms-delete-snapshots` fail (409 SnapshotsPresent) and is listed only
// on request, and with versioning on, a deleted blob leaves its earlier versions behind. So: the lease is
// broken, snapshots go with the blob, and every snapshot or version left under the name goes after it.

/** Rounds of break-then-delete before giving up (a member re-acquiring a lease between the two, every time). */
const MAX_LEASE_BREAKS = 5;

async function breakLease(container: ContainerClient, name: string): Promise<void> {
  try {
    await container.getBlobClient(name).getBlobLeaseClient().breakLease(0);
  } catch (err) {
    // No lease (any more), or no blob: the next delete tells.
    if (!isBlobStatus(err, 404, 409)) throw err;
  }
}

/** Deletes one listed item: a snapshot or version by its id, a base blob with its lease broken and its snapshots. */
async function deleteItem(
  container: ContainerClient,
  item: { name: string; snapshot?: string; versionId?: string; isCurrentVersion?: boolean },
) {
  const base = container.getBlobClient(item.name);
  if (item.snapshot) return (await base.withSnapshot(item.snapshot).deleteIfExists()).succeeded;
  if (item.versionId && item.isCurrentVersion === false) return (await base.withVersion(item.versionId).deleteIfExists()).succeeded;
  for (let round = 0; ; round++) {
    try {
      await base.delete({ deleteSnapshots: 'include' });
      return true;
    } catch (err) {
      if (isBlobStatus(err, 404)) return false;
      if (!isBlobStatus(err, 412) || round >= MAX_LEASE_BREAKS) throw err;
      await breakLease(container, item.name);
    }
  }
}

/** Every snapshot and version listed under `prefix`, the base blobs among them: what `deleteItem` takes. */
async function listEverything(container: ContainerClient, prefix: string) {
  const items: BlobItem[] = [];
  for await (const item of container.listBlobsFlat({ prefix, includeSnapshots: true, includeVersions: true })) items.push(item);
  // Base blobs first: their delete takes their snapshots with them.
  return items.sort((a, b) => Number(Boolean(a.snapshot || a.versionId)) - Number(Boolean(b.snapshot || b.versionId)));
}

/**
 * Deletes the blob `name` with its lease broken, its snapshots and its earlier versions. Returns whether
 * the blob itself was there. Idempotent.
 */
export async function deleteBlobEntirely(container: ContainerClient, name: string): Promise<boolean> {
  const existed = await deleteItem(container, { name });
  // Whatever survived the base delete under exactly this name (versions; snapshots of a blob re-created meanwhile).
  for (const item of await listEverything(container, name)) if (item.name === name) await deleteItem(container, item);
  return existed;
}

/**
 * Deletes every blob under `prefix` (a member's `{uid}/`), snapshots and versions included, leases
 * broken. Returns how many base blobs were deleted. `onEach` runs after each delete (a heartbeat).
 */
export async function deleteBlobsUnder(container: ContainerClient, prefix: string, onEach: () => void = () => {}): Promise<number> {
  let deleted = 0;
  for (const item of await listEverything(container, prefix)) {
    const isBase = !item.snapshot && !(item.versionId && item.isCurrentVersion === false);
    if ((await deleteItem(container, item)) && isBase) deleted++;
    onEach();
  }
  return deleted;
}

/** Whether anything at all (a blob, a snapshot, a version) is stored under `prefix`. */
export async function anyBlobUnder(container: ContainerClient, prefix: string): Promise<boolean> {
  for await (const _ of container.listBlobsFlat({ prefix, includeSnapshots: true, includeVersions: true })) return true;
  return false;
}

// Write-once blob storage for the archive, and reading archived histories back.
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import type { BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import { isBlobStatus } from '../clients/blob-errors';
import { ArchiveMetadata, type ArchiveWindow } from '../contracts/archive';
import { manifestBase, manifestPath } from './layout';

export type WriteOnceOutcome = 'written' | 'already_archived' | 'conflict';

export const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * Writes a blob only when the name is free (`If-None-Match: *`). When it exists, the stored checksum
 * decides: the same one means a previous attempt already wrote it; another one is a conflict, which is
 * reported and never overwritten.
 */
export async function writeOnce(
  blob: BlockBlobClient,
  body: Buffer,
  opts: { sha256: string; metadata: Record<string, string>; contentType: string },
): Promise<{ outcome: WriteOnceOutcome; existingSha256?: string; storedBytes: number }> {
  try {
    await blob.upload(body, body.length, {
      conditions: { ifNoneMatch: '*' },
      metadata: { ...opts.metadata, [ArchiveMetadata.sha256]: opts.sha256 },
      blobHTTPHeaders: { blobContentType: opts.contentType },
    });
    return { outcome: 'written', storedBytes: body.length };
  } catch (err) {
    // 409 BlobAlreadyExists (412 from some proxies for a failed If-None-Match).
    if (!isBlobStatus(err, 409, 412)) throw err;
  }
  const props = await blob.getProperties();
  const existing = props.metadata?.[ArchiveMetadata.sha256];
  const storedBytes = props.contentLength ?? 0;
  return existing === opts.sha256
    ? { outcome: 'already_archived', storedBytes }
    : { outcome: 'conflict', existingSha256: existing ?? '(none)', storedBytes };
}

/** Streams a gzip'd blob through gunzip, hashing the uncompressed bytes; `onChunk` sees them as they come. */
export async function readGzipBlob(
  blob: BlockBlobClient,
  onChunk?: (chunk: Buffer) => void,
): Promise<{ sha256: string; bytes: number; metadata: Record<string, string> }> {
  const res = await blob.download();
  const hash = createHash('sha256');
  const gunzip = res.readableStreamBody!.pipe(createGunzip());
  res.readableStreamBody!.on('error', (err) => gunzip.destroy(err));
  for await (const chunk of gunzip as AsyncIterable<Buffer>) {
    hash.update(chunk);
    onChunk?.(chunk);
  }
  return { sha256: hash.digest('hex'), bytes: res.contentLength ?? 0, metadata: res.metadata ?? {} };
}

/** An archived history, parsed (the JSON `temporal workflow show --output json` writes), with its checksum. */
export async function readArchivedHistory(
  blob: BlockBlobClient,
): Promise<{ history: unknown; sha256: string; metadata: Record<string, string> }> {
  const chunks: Buffer[] = [];
  const read = await readGzipBlob(blob, (c) => chunks.push(c));
  return { history: JSON.parse(Buffer.concat(chunks).toString('utf8')), sha256: read.sha256, metadata: read.metadata };
}

/**
 * The window's manifest: the original, or the newest revision when later runs found other content.
 * Returns undefined when there is none.
 */
export async function findManifestBlob(container: ContainerClient, w: ArchiveWindow): Promise<BlockBlobClient | undefined> {
  const base = manifestBase(w);
  let newest: { name: string; at: number } | undefined;
  for await (const b of container.listBlobsFlat({ prefix: base })) {
    if (b.name !== manifestPath(w) && !/^\.[0-9a-f]{16}\.json$/.test(b.name.slice(base.length))) continue;
    const at = b.properties.lastModified?.getTime() ?? 0;
    if (!newest || at > newest.at) newest = { name: b.name, at };
  }
  return newest ? container.getBlockBlobClient(newest.name) : undefined;
}

export async function downloadText(blob: BlockBlobClient): Promise<string> {
  return (await blob.downloadToBuffer()).toString('utf8');
}

import type { BlobServiceClient } from '@azure/storage-blob';
import type { Client } from '@temporalio/client';
import type { Firestore } from 'firebase-admin/firestore';
import type { PhotoDimensionLimits } from '../../common/photos/limits';
import type { PhotoQualityThresholds } from '../domain/photo-quality';
import type { ModelRuntime } from '../model/runtime';
import type { PushTransport } from './push/transport';

/** Everything an activity touches from outside, handed in by the worker (or a test). */
export interface ActivityDeps {
  db: Firestore;
  /** Verifies review decisions before the workflow acts on them (REVIEW_SIGNING_KEY, common/scans/review-signature.ts). */
  reviewSigningKey: Buffer;
  /** The public upload account (uploadsContainer). */
  blob: BlobServiceClient;
  /** The private account of sealed photos and archives (ScanDataStorage); absent, the upload account's (one Azurite). */
  dataBlob?: BlobServiceClient;
  uploadsContainer: string;
  /** Where submitted photos are sealed (SEALED_PHOTOS_CONTAINER): the only photos activities read. */
  sealedPhotosContainer: string;
  maxPhotoBytes: number;
  /** MAX_PHOTO_PIXELS and MAX_PHOTO_LONGEST_SIDE: photos beyond them are refused from their header, and never decoded. */
  photoLimits: PhotoDimensionLimits;
  push: PushTransport;
  qualityThresholds: PhotoQualityThresholds;
  now: () => Date;
  /** WORKER_BUILD_ID: the build the results and end records this worker writes are attributed to. */
  buildId: string;
  /** Model client, concurrency limit and telemetry; absent when no model is configured (deterministic agents only). */
  model?: ModelRuntime | undefined;
  /** Temporal client for the archive activities (listing closed runs, fetching histories); absent, they refuse to run. */
  temporal?: Client;
  /** Container of the workflow history archive (WORKFLOW_ARCHIVES_CONTAINER). */
  archivesContainer: string;
  /** Archive keys (current first) that wrap the members' archive data keys (common/archive/member-keys.ts). */
  archiveKeys: Buffer[];
}

/** The scan photo containers, each on its own account's client. */
export const photoContainers = (deps: Pick<ActivityDeps, 'blob' | 'dataBlob' | 'uploadsContainer' | 'sealedPhotosContainer'>) => ({
  uploads: deps.blob.getContainerClient(deps.uploadsContainer),
  sealed: (deps.dataBlob ?? deps.blob).getContainerClient(deps.sealedPhotosContainer),
});

import type { BlobServiceClient } from '@azure/storage-blob';
import type { Firestore } from 'firebase-admin/firestore';
import type { PhotoQualityThresholds } from '../domain/photo-quality';
import type { PushTransport } from './push/transport';

/** Everything an activity touches from outside, handed in by the worker (or a test). */
export interface ActivityDeps {
  db: Firestore;
  blob: BlobServiceClient;
  uploadsContainer: string;
  maxPhotoBytes: number;
  push: PushTransport;
  qualityThresholds: PhotoQualityThresholds;
  now: () => Date;
}

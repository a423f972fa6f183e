import { afterAll, beforeAll } from 'vitest';
import { createBlobService, createDataBlobService } from '../../common/clients/blob';
import { FILE_CONTAINERS, testConfig } from '../helpers/stack';

// The test file's own Blob containers (why: FILE_CONTAINERS in test/helpers/stack.ts), each in the account
// the apps use it in: made before the file's own hooks run (a setup file's hooks come first), deleted after
// its last one.
const config = testConfig();
const containers = [
  createBlobService(config).getContainerClient(FILE_CONTAINERS.SCAN_UPLOADS_CONTAINER),
  createDataBlobService(config).getContainerClient(FILE_CONTAINERS.SEALED_PHOTOS_CONTAINER),
  createDataBlobService(config).getContainerClient(FILE_CONTAINERS.WORKFLOW_ARCHIVES_CONTAINER),
];
beforeAll(async () => {
  await Promise.all(containers.map((c) => c.createIfNotExists()));
});
afterAll(async () => {
  await Promise.all(containers.map((c) => c.deleteIfExists()));
});

import type { BlobServiceClient } from '@azure/storage-blob';
import type { Client } from '@temporalio/client';
import type { FirebaseClients } from '../../common/clients/firebase';
import type { Config } from '../../common/config';
import { workflowIdForScan } from '../../common/contracts/scan';
import { Collections, type ScanDocument } from '../../common/contracts/scan-document';
import { scanRef, userRef } from '../../common/scans/repository';
import { startDailyScan } from '../../common/scans/start-scan';
import type { ModelServer } from './model-server';
import { pushesFor, seedUploadedScan } from './scan';
import { stackEnv, testConfig } from './stack';

/** The Azure OpenAI settings that point a process at the local model server. */
export function azureModelSettings(server: ModelServer): Record<string, string> {
  return {
    MODEL_PROVIDER: 'azure',
    AZURE_OPENAI_ENDPOINT: server.url,
    AZURE_OPENAI_API_VERSION: '2024-10-21',
    AZURE_OPENAI_API_KEY: 'test-azure-key',
    MODEL_DEPLOYMENT_DEFAULT: 'gpt-4o-scan',
    MODEL_DEPLOYMENT_NARRATIVE: 'gpt-4o-mini-words',
    MODEL_TIMEOUT_SECONDS: '4', // headroom for a loaded 2-core CI machine; the slow-answer test waits past it
  };
}

/** Stack settings plus an Azure OpenAI configuration pointing at the local model server. */
export function azureModelConfig(server: ModelServer, overrides: Record<string, string> = {}): Config {
  return testConfig({ ...azureModelSettings(server), ...overrides });
}

/** Reading back what a scan left behind: the document, pushes, history entries, credits. */
export function scanProbe(firebase: FirebaseClients) {
  return {
    doc: async (scanId: string) => (await scanRef(firebase.db, scanId).get()).data() as ScanDocument,
    pushTypes: async (scanId: string) => (await pushesFor(stackEnv().PUSH_RECEIVER_LIST_URL!, scanId)).map((p) => p.body.data.type),
    historyCount: async (uid: string) => (await userRef(firebase.db, uid).collection(Collections.scanHistory).count().get()).data().count,
    credits: async (uid: string) => Number((await userRef(firebase.db, uid).get()).data()?.scanCredits),
  };
}

export async function runScan(
  client: Client,
  config: Config,
  firebase: FirebaseClients,
  blob: BlobServiceClient,
  taskQueue: string,
  opts: Parameters<typeof seedUploadedScan>[3] = {},
) {
  const scan = await seedUploadedScan(firebase, blob, config, opts);
  await startDailyScan(client, config, scan, taskQueue);
  const handle = client.workflow.getHandle(workflowIdForScan(scan.scanId));
  return { scan, handle };
}

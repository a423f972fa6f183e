// Replays recorded or archived histories against the current workflow code: a change that would make a
// running (or a seven-year-old) history take another path fails here. Histories stream one at a time.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ContainerClient } from '@azure/storage-blob';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { downloadText, findManifestBlob, readArchivedHistory } from '../common/archive/store';
import type { ArchiveWindow, ManifestEntry } from '../common/contracts/archive';
import { payloadDataConverter } from '../common/temporal/payload-encryption';
import { bundleWorkflows } from './workflow-bundler';

export interface ReplayReport {
  replayed: number;
  failures: Array<{ name: string; error: string }>;
}

type Source = AsyncIterable<{ workflowId: string; history: unknown }>;

/** `*.json` and `*.json.gz` histories in a folder (the `temporal workflow show --output json` format). */
export async function* historiesFromDir(dir: string): Source {
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json') || f.endsWith('.json.gz'))
    .sort()) {
    const raw = readFileSync(path.join(dir, file));
    const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    yield { workflowId: file, history: JSON.parse(text) };
  }
}

/**
 * The histories a window's manifest lists, downloaded one at a time. `open` turns a history as archived
 * into one that replays (a scan's payloads are sealed with its member's key); undefined skips it (an
 * erased member's history cannot be opened, by design).
 */
export async function* historiesFromArchive(
  container: ContainerClient,
  window: ArchiveWindow,
  open: (entry: ManifestEntry, history: unknown) => Promise<unknown> = async (_, h) => h,
): Source {
  const manifestBlob = await findManifestBlob(container, window);
  if (!manifestBlob)
    throw new Error(`no archive manifest for ${window.from} … ${window.to}${window.taskQueue ? ` (task queue ${window.taskQueue})` : ''}`);
  const manifest = JSON.parse(await downloadText(manifestBlob)) as { entries: ManifestEntry[] };
  for (const e of manifest.entries) {
    const { history } = await readArchivedHistory(container.getBlockBlobClient(e.blob));
    const opened = await open(e, history);
    if (opened !== undefined) yield { workflowId: e.blob, history: opened };
  }
}

/**
 * Replays every history with the project's payload codec (`keys` decrypt payloads recorded encrypted, and
 * payloads recorded before encryption existed are read as they are: replay is tooling, it reads what
 * Temporal already holds); a non-determinism, or any other replay failure, is reported by name.
 */
export async function replayAll(
  source: Source,
  keys: { PAYLOAD_ENCRYPTION_KEY: string; PAYLOAD_DECRYPTION_KEYS?: string },
  bundle?: WorkflowBundle,
  onResult?: (name: string, error?: string) => void,
): Promise<ReplayReport> {
  const workflowBundle = bundle ?? (await bundleWorkflows('WARN'));
  const report: ReplayReport = { replayed: 0, failures: [] };
  for await (const r of Worker.runReplayHistories(
    { workflowBundle, dataConverter: payloadDataConverter(keys, { readUnencrypted: true }) },
    source,
  )) {
    report.replayed++;
    const error = r.error ? `${r.error.name}: ${r.error.message}` : undefined;
    if (error) report.failures.push({ name: r.workflowId, error });
    onResult?.(r.workflowId, error);
  }
  return report;
}

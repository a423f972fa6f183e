import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import {
  type ArchiveCounts,
  ArchiveFailureType,
  type ArchivePageInput,
  type ArchivePageResult,
  type ArchiveWorkflowInput,
  type ArchiveWorkflowResult,
  type WriteManifestInput,
} from '../../common/contracts/archive';
import { timeSkippingSuite } from '../../test/helpers/time-skipping';
import type { ArchiveActivities } from '../activities/archive';
import { archiveWorkflow } from './archive';

// archiveWorkflow on Temporal's time-skipping test server with mocked activities: how it pages through
// the window (the visibility token carried from page to page), continues as new every `pagesPerRun`
// pages with its cursor, and how it ends when a page fails or the archive holds other histories. What a
// page does (listing, export, Blob writes) is covered by test/archive.test.ts on the real stack.

const suite = timeSkippingSuite();

const WINDOW = { from: '2026-11-30T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };
/** A manifest part key as archivePage writes it: `{page}-{sha}`. */
const part = (page: number) => `${String(page).padStart(6, '0')}-${page.toString(16).padStart(16, '0')}`;
const counts = (listed: number, over: Partial<ArchiveCounts> = {}): ArchiveCounts => ({
  listed,
  written: listed,
  alreadyArchived: 0,
  conflicts: 0,
  ...over,
});

type PageImpl = (input: ArchivePageInput, attempt: number) => Promise<ArchivePageResult>;

/** A window of `pages` pages of two executions each; `overrides` replaces what a page returns. */
function pagesOf(pages: number, override?: (input: ArchivePageInput, attempt: number) => Promise<ArchivePageResult | undefined>): PageImpl {
  return async (input, attempt) => {
    const custom = await override?.(input, attempt);
    if (custom) return custom;
    const last = input.page === pages - 1;
    return { counts: counts(2), part: part(input.page), conflictBlobs: [], ...(last ? {} : { nextPageToken: `token-${input.page + 1}` }) };
  };
}

async function archive(archivePage: PageImpl, tuning: ArchiveWorkflowInput['tuning'] = {}) {
  const pageCalls: ArchivePageInput[] = [];
  const manifestCalls: WriteManifestInput[] = [];
  const attempts = new Map<number, number>();
  const activities: Pick<ArchiveActivities, 'archivePage' | 'writeArchiveManifest'> = {
    archivePage: async (input) => {
      pageCalls.push(input);
      const attempt = (attempts.get(input.page) ?? 0) + 1;
      attempts.set(input.page, attempt);
      return archivePage(input, attempt);
    },
    writeArchiveManifest: async (input) => {
      manifestCalls.push(input);
      return { blob: 'manifests/2026-11-30.json', sha256: 'f'.repeat(64), count: input.parts.length, outcome: 'written' };
    },
  };
  const { worker, taskQueue } = await suite.worker('archive', activities);
  const workflowId = `archive-${randomUUID()}`;
  const outcome = await worker.runUntil(async () => {
    const handle = await suite.env.client.workflow.start(archiveWorkflow, {
      taskQueue,
      workflowId,
      args: [{ ...WINDOW, tuning: { pageSize: 2, concurrency: 1, ...tuning } }],
    });
    const result = await handle.result().then(
      (r): { result: ArchiveWorkflowResult; error?: undefined } => ({ result: r }),
      (error: unknown) => ({ result: undefined, error }),
    );
    // Every run of the chain, first to last, by how each one ended.
    const runs: string[] = [];
    for (let runId: string | undefined = handle.firstExecutionRunId; runId; ) {
      const history = await suite.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
      const last = history.events?.at(-1);
      runs.push(
        last?.workflowExecutionContinuedAsNewEventAttributes
          ? 'continued'
          : last?.workflowExecutionCompletedEventAttributes
            ? 'completed'
            : 'failed',
      );
      runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    return { ...result, runs };
  });
  return { ...outcome, pageCalls, manifestCalls, attempts };
}

/** The workflow's failure: the ApplicationFailure at the bottom of its cause chain. */
function rootFailure(error: unknown): ApplicationFailure {
  expect(error).toBeInstanceOf(WorkflowFailedError);
  let e: unknown = (error as WorkflowFailedError).cause;
  while (e instanceof Error && !(e instanceof ApplicationFailure)) e = e.cause;
  expect(e).toBeInstanceOf(ApplicationFailure);
  return e as ApplicationFailure;
}

describe('archiveWorkflow paging (time-skipping server, mocked activities)', () => {
  it('archives page after page with the token the last one gave, then writes one manifest of every part', async () => {
    // The middle page is empty (its executions closed outside the filter): no part for it.
    const { result, error, pageCalls, manifestCalls, runs } = await archive(
      pagesOf(3, async (input) => (input.page === 1 ? { counts: counts(0), conflictBlobs: [], nextPageToken: 'token-2' } : undefined)),
    );
    expect(error).toBeUndefined();
    expect(pageCalls).toEqual([
      { window: WINDOW, page: 0, pageSize: 2, concurrency: 1 },
      { window: WINDOW, page: 1, pageToken: 'token-1', pageSize: 2, concurrency: 1 },
      { window: WINDOW, page: 2, pageToken: 'token-2', pageSize: 2, concurrency: 1 },
    ]);
    expect(manifestCalls).toEqual([{ window: WINDOW, parts: [part(0), part(2)] }]);
    expect(result).toEqual({
      window: WINDOW,
      counts: counts(4),
      manifest: { blob: 'manifests/2026-11-30.json', sha256: 'f'.repeat(64), count: 2, outcome: 'written' },
      pages: 3,
      continuedRuns: 0,
    });
    expect(runs).toEqual(['completed']);
  });

  it(`continues as new every pagesPerRun pages (ARCHIVE_PAGES_PER_RUN) with its cursor, and archives no page twice`, async () => {
    const { result, error, pageCalls, manifestCalls, runs } = await archive(pagesOf(5), { pagesPerRun: 2 });
    expect(error).toBeUndefined();
    expect(runs).toEqual(['continued', 'continued', 'completed']);
    expect(pageCalls.map((c) => [c.page, c.pageToken])).toEqual([
      [0, undefined],
      [1, 'token-1'],
      [2, 'token-2'],
      [3, 'token-3'],
      [4, 'token-4'],
    ]);
    // The counts and parts of earlier runs travelled in the cursor: one manifest for the whole window.
    expect(manifestCalls).toEqual([{ window: WINDOW, parts: [0, 1, 2, 3, 4].map(part) }]);
    expect(result).toMatchObject({ counts: counts(10), pages: 5, continuedRuns: 2 });
  });

  it('does not continue as new after a last page that fills the run', async () => {
    const { error, runs, result } = await archive(pagesOf(2), { pagesPerRun: 2 });
    expect(error).toBeUndefined();
    expect(runs).toEqual(['completed']);
    expect(result).toMatchObject({ pages: 2, continuedRuns: 0 });
  });
});

describe('archiveWorkflow failures (time-skipping server, mocked activities)', () => {
  it('retries a page that fails on a crash or outage until it is done (backoff skipped), without redoing earlier pages', async () => {
    const started = Date.now();
    const before = await suite.env.currentTimeMs();
    const { error, result, attempts } = await archive(
      pagesOf(3, async (input, attempt) => {
        if (input.page === 1 && attempt <= 7) throw new Error('blob storage unavailable');
        return undefined;
      }),
    );
    expect(error).toBeUndefined();
    expect(result?.pages).toBe(3);
    expect(Object.fromEntries(attempts)).toEqual({ 0: 1, 1: 8, 2: 1 });
    // 1+2+4+…+60 s of backoff (about 2 min) passed on the server's clock, not the test's.
    expect(await suite.env.currentTimeMs()).toBeGreaterThanOrEqual(before + 60_000);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('stops at once when the worker has no archive set-up, instead of retrying it for ever', async () => {
    const { error, pageCalls, manifestCalls } = await archive(async () => {
      throw ApplicationFailure.create({ type: ArchiveFailureType.NotConfigured, message: 'no Temporal client for the archive' });
    });
    expect(rootFailure(error).type).toBe(ArchiveFailureType.NotConfigured);
    expect(pageCalls).toHaveLength(1);
    expect(manifestCalls).toHaveLength(0);
  });

  it('archives every page, then fails as an alert on checksum conflicts (carried across runs) and writes no manifest', async () => {
    const conflicted = (blob: string) => ({ counts: counts(2, { written: 1, conflicts: 1 }), conflictBlobs: [blob] });
    const { error, pageCalls, manifestCalls, runs } = await archive(
      pagesOf(3, async (input) => {
        if (input.page === 0) return { ...conflicted('h/a.json.gz'), part: part(0), nextPageToken: 'token-1' };
        if (input.page === 2) return { ...conflicted('h/c.json.gz'), part: part(2) };
        return undefined;
      }),
      { pagesPerRun: 1 },
    );
    expect(runs).toEqual(['continued', 'continued', 'failed']);
    expect(pageCalls.map((c) => c.page)).toEqual([0, 1, 2]);
    expect(manifestCalls).toHaveLength(0);
    const failure = rootFailure(error);
    expect(failure.type).toBe(ArchiveFailureType.ChecksumConflict);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details?.[0]).toMatchObject({
      counts: { listed: 6, written: 4, conflicts: 2 },
      conflictBlobs: ['h/a.json.gz', 'h/c.json.gz'],
    });
  });
});

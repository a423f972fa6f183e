import { createHash } from 'node:crypto';
import { ReadableStream } from 'node:stream/web';
import type { Firestore } from 'firebase-admin/firestore';
import { SCAN_EVENT_SCHEMAS, type ScanEndEvent, type ScanStatusEvent } from '../../common/contracts/api';
import { MEMBER_MESSAGES } from '../../common/contracts/failures';
import { isFinalStatus } from '../../common/contracts/scan';
import type { ScanDocument } from '../../common/contracts/scan-document';
import { scanRef } from '../../common/scans/repository';
import { endReason } from '../errors';
import type { Principal } from '../framework/types';
import { maySee, type ReviewerAccessClock, statusPath } from './access';
import { liveProgress } from './progress';

// The scan's state as Server-Sent Events (GET /api/scans/{scanId}/events). Each event is a snapshot of
// the scan's state, made from the scan document alone (status, step, links, the member-facing reason:
// never a measurement or a result), fed by a Firestore listener on that one document.

/** What an event is made of; the rest of the document (measurements, analysis, results) is never read into one. */
export type ScanEventSource = Pick<
  ScanDocument,
  'scanId' | 'ownerId' | 'status' | 'progress' | 'review' | 'error' | 'reviewedBy' | 'reviewedAt'
>;

export type ScanEvent = { name: 'status'; data: ScanStatusEvent } | { name: 'end'; data: ScanEndEvent };

/** How long an EventSource waits before it reconnects after the server closed the stream (`retry:`). */
export const RECONNECT_AFTER_MS = 2000;

/** The event that says where this scan is; `urlFor` makes an absolute URL of an API path. */
export function scanEventOf(scan: ScanEventSource, urlFor: (path: string) => string = (p) => p): ScanEvent {
  const statusUrl = urlFor(statusPath(scan.scanId));
  const { status } = scan;
  if (status === 'completed')
    return {
      name: 'end',
      data: { scanId: scan.scanId, status, resultsUrl: statusUrl, reportUrl: urlFor(`${statusPath(scan.scanId)}/report`) },
    };
  if (isFinalStatus(status))
    return { name: 'end', data: { scanId: scan.scanId, status, reason: endReason(status, scan.error), statusUrl } };
  const review =
    status === 'awaiting_review' && scan.review
      ? { message: MEMBER_MESSAGES.in_review, reviewDeadline: scan.review.reviewDeadline }
      : undefined;
  return { name: 'status', data: { scanId: scan.scanId, status, progress: liveProgress(scan), ...(review ? { review } : {}), statusUrl } };
}

/**
 * The id of the state an event reports: the same state gives the same id on every connection and host
 * (links are left relative for it), so a client that resumes with the id of the current state is sent
 * nothing it already has.
 */
export function scanEventId(event: ScanEvent): string {
  return createHash('sha256').update(JSON.stringify(event)).digest('base64url').slice(0, 22);
}

/** One event as it goes on the wire. JSON has no raw line breaks, so `data` is one line. */
export function formatScanEvent(event: ScanEvent, id: string): string {
  SCAN_EVENT_SCHEMAS[event.name].parse(event.data); // the documented shape, or a 500 rather than a wrong event
  return `id: ${id}\nevent: ${event.name}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

export interface ScanEventStreamOptions {
  db: Firestore;
  scanId: string;
  /** Who watches: checked again on every change (a reviewer's need ends when someone else decides). */
  viewer: Principal;
  /** The time now and how long a decider keeps access (the rule's clock, read at every change). */
  reviewerAccess(): ReviewerAccessClock;
  /** `Last-Event-ID` of a reconnecting client: the state it already has is not sent again. */
  lastEventId?: string | undefined;
  urlFor(path: string): string;
  /** The server-side limit on how long the stream stays open (SCAN_EVENTS_MAX_SECONDS). */
  maxOpenMs: number;
  heartbeatMs: number;
  /** Why a stream ended early (class names only). */
  log(message: string): void;
}

const encoder = new TextEncoder();

/**
 * The stream: `retry`, then the current state at once (unless the client resumed with its id), an event
 * per change, and `end` when the scan ends, after which it closes. A heartbeat comment keeps a quiet stream
 * alive; at the limit it closes with a comment and the client reconnects. A scan that is gone (erased) or no
 * longer visible to the viewer closes it without an event. Cancelling it (the client left) stops the listener.
 */
export function scanEventStream(opts: ScanEventStreamOptions): ReadableStream<Uint8Array> {
  let stop: () => void = () => undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      let lastId = opts.lastEventId;
      const write = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      const close = (comment?: string) => {
        if (closed) return;
        if (comment) write(`: ${comment}\n\n`);
        closed = true;
        stop();
        controller.close();
      };
      const onState = (scan: ScanEventSource) => {
        if (!maySee(scan, opts.viewer, opts.reviewerAccess())) return close();
        const event = scanEventOf(scan, opts.urlFor);
        const id = scanEventId(scanEventOf(scan));
        if (id !== lastId) {
          write(formatScanEvent(event, id));
          lastId = id;
        }
        if (event.name === 'end') close();
      };

      write(`retry: ${RECONNECT_AFTER_MS}\n\n`);
      const unsubscribe = scanRef(opts.db, opts.scanId).onSnapshot(
        (snap) => {
          let scan: ScanDocument | undefined;
          try {
            scan = snap.data(); // parsed by the scan converter
          } catch (err) {
            opts.log(`scan events: the scan document does not parse (${err instanceof Error ? err.name : 'error'})`);
            return close();
          }
          if (!scan) return close(); // erased
          try {
            onState(scan);
          } catch (err) {
            opts.log(`scan events: no event made (${err instanceof Error ? err.name : 'error'})`);
            close();
          }
        },
        (err) => {
          opts.log(`scan events: the listener failed (${err.name})`);
          close();
        },
      );
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), opts.heartbeatMs);
      const limit = setTimeout(() => close('stream limit reached; reconnect with Last-Event-ID'), opts.maxOpenMs);
      stop = () => {
        closed = true;
        unsubscribe();
        clearInterval(heartbeat);
        clearTimeout(limit);
      };
      if (closed) stop(); // closed before `stop` was set: release what was just opened
    },
    cancel() {
      stop();
    },
  });
}

import { SCAN_EVENT_SCHEMAS, ScanEventIdSchema, ScanParamsSchema } from '../../common/contracts/api';
import { validationProblem } from '../errors';
import { fieldErrorsFrom } from '../framework/problem';
import { defineHttp } from '../framework/types';
import { loadVisibleScan, reviewerAccessClock } from '../scans/access';
import { scanEventStream } from '../scans/scan-events';

export const scanEvents = defineHttp({
  kind: 'http',
  name: 'scanEvents',
  route: 'scans/{scanId}/events',
  methods: ['GET'],
  auth: 'owner',
  summary: "The scan's status and progress as Server-Sent Events, until it ends (instead of polling GET /api/scans/{scanId})",
  tags: ['scans'],
  params: ScanParamsSchema,
  requestHeaders: {
    'Last-Event-ID': {
      description: 'the id of the last event received, when reconnecting: the state it names is not sent again',
      schema: ScanEventIdSchema,
    },
  },
  responses: {
    200: {
      description:
        '`status` at once and on every change, `end` when the scan ends (then the stream closes); heartbeat comments; ' +
        'closed by the server after SCAN_EVENTS_MAX_SECONDS, reconnect with Last-Event-ID',
      events: SCAN_EVENT_SCHEMAS,
    },
    400: { description: 'invalid scan id or Last-Event-ID', codes: ['validation_failed'] },
    404: {
      description: 'no such scan for this caller: the owner sees theirs, a reviewer one waiting for review or one they decided (audited)',
      codes: ['scan_not_found'],
    },
  },
  async handler({ params, principal, request, deps, urlFor, context }) {
    const rawLastEventId = request.headers.get('last-event-id');
    const lastEventId = rawLastEventId === null ? undefined : ScanEventIdSchema.safeParse(rawLastEventId);
    if (lastEventId && !lastEventId.success)
      throw validationProblem(
        fieldErrorsFrom(lastEventId.error, 'header').map((e) => ({ ...e, path: 'Last-Event-ID', pointer: '#/Last-Event-ID' })),
      );
    // The same rule and audit as GET /api/scans/{scanId}; the stream checks the rule again on every change.
    await loadVisibleScan(deps, params.scanId, principal, { read: 'scan_events' });
    return {
      status: 200,
      headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' },
      stream: scanEventStream({
        db: deps.db,
        scanId: params.scanId,
        viewer: principal,
        reviewerAccess: () => reviewerAccessClock(deps),
        lastEventId: lastEventId?.data,
        urlFor,
        maxOpenMs: deps.config.SCAN_EVENTS_MAX_SECONDS * 1000,
        heartbeatMs: deps.config.SCAN_EVENTS_HEARTBEAT_SECONDS * 1000,
        log: (message) => context.warn(message),
      }),
    };
  },
});

import { memberTrend } from '../../common/body-composition/member-trend';
import { MemberTrendQuerySchema, MemberTrendResponseSchema, TREND_DAYS } from '../../common/contracts/member-trend';
import { scanHistoryCollection } from '../../common/scans/refs';
import { defineHttp } from '../framework/types';

/** More than a member can take in a year at the daily cap; the window bounds the read, this bounds the worst case. */
const MAX_POINTS = 2000;

export const getMemberTrend = defineHttp({
  kind: 'http',
  name: 'getMemberTrend',
  route: 'me/trend',
  methods: ['GET'],
  auth: 'member',
  summary:
    "The caller's own trend of one figure: completed scans in the window, smoothed, with a band and the change against day-to-day variation",
  tags: ['account'],
  query: MemberTrendQuerySchema,
  responses: {
    200: { description: 'the window, oldest scan first', schema: MemberTrendResponseSchema },
    400: { description: 'unknown metric or days outside 7..365', codes: ['validation_failed'] },
  },
  async handler({ query, principal, deps }) {
    const days = Number(query.days ?? TREND_DAYS.default);
    const now = deps.now();
    const since = new Date(now.getTime() - days * 86_400_000).toISOString();
    const snap = await scanHistoryCollection(deps.db, principal.uid)
      .where('takenAt', '>=', since)
      .orderBy('takenAt', 'asc')
      .limit(MAX_POINTS)
      .get();
    const history = snap.docs.map((d) => d.data());
    return { status: 200, body: memberTrend({ history, metric: query.metric, days, now }) };
  },
});

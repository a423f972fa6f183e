import { defineTimer } from '../framework/types';
import { reconcileAwaitingUploads } from '../scans/reconcile';

/**
 * Every 5 minutes: starts scans whose four photos arrived but whose blob events were lost, and cancels
 * (with a refund) scans whose photos never arrived within UPLOAD_EXPIRY_MINUTES, and finishes the photo
 * retention of endings interrupted after their commit. Safe to overlap with
 * the upload trigger and with itself: the start path is idempotent and every end is a guarded transaction.
 */
export const reconcileUploads = defineTimer({
  name: 'reconcileUploads',
  schedule: '0 */5 * * * *',
  async handler(context, deps, now) {
    const r = await reconcileAwaitingUploads(deps, now);
    context.log(
      JSON.stringify({
        msg: 'reconciled scans awaiting upload',
        examined: r.examined,
        started: r.started.length,
        expired: r.expired.length,
        rejected: r.rejected.length,
        waiting: r.waiting,
        retained: r.retained.length,
      }),
    );
  },
});

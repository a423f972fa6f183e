// Workflow interceptor (bundled with the workflows, deterministic): one outcome count and one duration per
// scan run, and one outcome count per archive run, through the workflow metric meter. Temporal drops
// workflow metrics during replay, so a run is counted once however often it is replayed.
import {
  ContinueAsNew,
  isCancellation,
  metricMeter,
  type Next,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  workflowInfo,
} from '@temporalio/workflow';
import { ARCHIVE_WORKFLOW, DAILY_SCAN_WORKFLOW } from '../../common/contracts/workflow-types';
import { OUTCOME_ATTRIBUTE, ScanMetrics, type ScanOutcome } from '../../common/telemetry-names';

function scanOutcomeOf(result: unknown): ScanOutcome {
  const status = (result as { status?: unknown } | undefined)?.status;
  return status === 'completed' || status === 'rejected' ? status : 'failed';
}

class OutcomeMetricsInterceptor implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const { workflowType } = workflowInfo();
    if (workflowType !== DAILY_SCAN_WORKFLOW && workflowType !== ARCHIVE_WORKFLOW) return next(input);
    let outcome: ScanOutcome | undefined; // stays unset for continue-as-new: the successor reports
    try {
      const result = await next(input);
      outcome = workflowType === ARCHIVE_WORKFLOW ? 'completed' : scanOutcomeOf(result);
      return result;
    } catch (err) {
      if (!(err instanceof ContinueAsNew)) outcome = isCancellation(err) ? 'cancelled' : 'failed';
      throw err;
    } finally {
      record(workflowType, outcome);
    }
  }
}

function record(workflowType: string, outcome: ScanOutcome | undefined) {
  if (!outcome) return;
  const tags = { [OUTCOME_ATTRIBUTE]: outcome };
  if (workflowType === ARCHIVE_WORKFLOW) {
    metricMeter.createCounter(ScanMetrics.archiveRuns, '1', 'nightly archive job runs by outcome').add(1, tags);
    return;
  }
  metricMeter.createCounter(ScanMetrics.outcomes, '1', 'finished scans by outcome').add(1, tags);
  const seconds = (Date.now() - workflowInfo().startTime.getTime()) / 1000;
  metricMeter.createHistogram(ScanMetrics.duration, 'float', 's', 'scan workflow start to finish').record(seconds, tags);
}

export const interceptors = (): WorkflowInterceptors => ({ inbound: [new OutcomeMetricsInterceptor()] });

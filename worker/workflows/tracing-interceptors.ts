// Workflow interceptor module (bundled with the workflows): Temporal's OpenTelemetry workflow interceptors,
// for the runs that were started with a trace context only.
//
// Those interceptors wrap every scheduled activity (and update, signal, query handler) in awaits of their
// own, so the workflow's promises settle a few microtasks later than without them. A run recorded without
// the interceptors can then replay into a different command order (a recorded review-decision history did:
// TMPRL1100 on the update). A run started by a client with the tracing interceptor carries the trace header
// in its start event, and a run started before the interceptors existed does not: the header, part of the
// history, decides deterministically, and such old runs replay exactly as they were recorded.

import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { WorkflowInboundCallsInterceptor, WorkflowInterceptors, WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';

export const interceptors = (): WorkflowInterceptors => {
  let traced = false; // set by execute, which runs before any handler of the run
  const otelIn = new OpenTelemetryInboundInterceptor();
  const otelOut = new OpenTelemetryOutboundInterceptor();
  const inbound: WorkflowInboundCallsInterceptor = {
    execute(input, next) {
      traced = TRACE_HEADER in input.headers;
      return traced ? otelIn.execute(input, next) : next(input);
    },
    handleSignal: (input, next) => (traced ? otelIn.handleSignal(input, next) : next(input)),
    handleUpdate: (input, next) => (traced ? otelIn.handleUpdate(input, next) : next(input)),
    validateUpdate: (input, next) => (traced ? otelIn.validateUpdate(input, next) : next(input)),
    handleQuery: (input, next) => (traced ? otelIn.handleQuery(input, next) : next(input)),
  };
  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input, next) => (traced ? otelOut.scheduleActivity(input, next) : next(input)),
    scheduleLocalActivity: (input, next) => (traced ? otelOut.scheduleLocalActivity(input, next) : next(input)),
    startChildWorkflowExecution: (input, next) => (traced ? otelOut.startChildWorkflowExecution(input, next) : next(input)),
    startNexusOperation: (input, next) => (traced ? otelOut.startNexusOperation(input, next) : next(input)),
    continueAsNew: (input, next) => (traced ? otelOut.continueAsNew(input, next) : next(input)),
    signalWorkflow: (input, next) => (traced ? otelOut.signalWorkflow(input, next) : next(input)),
    getLogAttributes: (input, next) => (traced ? otelOut.getLogAttributes(input, next) : next(input)),
  };
  return { inbound: [inbound], outbound: [outbound], internals: [new OpenTelemetryInternalsInterceptor()] };
};

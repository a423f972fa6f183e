import { installWorkerRuntime } from '../../worker/telemetry';

// The Runtime as the worker installs it (metrics forwarded to OpenTelemetry); worker state changes at INFO
// bury the test output, so warnings and errors only.
installWorkerRuntime('WARN');

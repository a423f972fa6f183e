import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { SearchAttributeType } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundle } from '@temporalio/worker';
import { ScanProgressKey, ScanStatusKey } from '../../common/contracts/search-attributes';
import { LOCAL_PAYLOAD_KEY } from '../../common/temporal/local-dev-key';
import { FAILURE_CONVERTER_PATH, payloadDataConverter } from '../../common/temporal/payload-encryption';
import { workflowsSourcePath } from '../../worker/create-worker';

// Fast workflow tests: Temporal's time-skipping test server with mocked activities, no local stack.
// @temporalio/testing would download the server's native build from Temporal's CDN, which these machines
// cannot reach; the same server (the Java SDK's TestServer, same TestService API) comes from Maven Central
// through scripts/temporal-test-server/ into the ignored .tools/ cache.

const ROOT = path.resolve(__dirname, '..', '..');

/** Fetches the test server once (cached in .tools/) and returns the launcher the SDK starts as `<launcher> <port>`. */
export function installTimeSkippingServer(): string {
  return execFileSync('bash', [path.join(ROOT, 'scripts', 'temporal-test-server', 'install.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  }).trim();
}

/** The payload converter the worker and the Functions app use: tests see what production would send. */
export const testDataConverter = payloadDataConverter({ PAYLOAD_ENCRYPTION_KEY: LOCAL_PAYLOAD_KEY });

/** temporal.api.enums.v1.IndexedValueType (INDEXED_VALUE_TYPE_KEYWORD, _INT) of each type the scan uses. */
const SEARCH_ATTRIBUTE_TYPES = { [SearchAttributeType.KEYWORD]: 2, [SearchAttributeType.INT]: 3 } as const;

/**
 * A time-skipping environment on the Java test server, with the scan's search attributes registered.
 * The SDK gives a started server 5 s to answer; with the class data archive the JVM needs 1-2 s on a
 * loaded 2-core machine, and a start that still misses gets two more tries.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const launcher = installTimeSkippingServer();
  let env: TestWorkflowEnvironment | undefined;
  for (let attempt = 1; !env; attempt++) {
    try {
      env = await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: launcher } },
        client: { dataConverter: testDataConverter },
      });
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      [ScanStatusKey, ScanProgressKey].map((k) => [k.name, SEARCH_ATTRIBUTE_TYPES[k.type as keyof typeof SEARCH_ATTRIBUTE_TYPES]]),
    ),
  });
  return env;
}

/** The workflow bundle as the worker image builds it (same failure converter), built once per test file. */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: workflowsSourcePath(),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
}

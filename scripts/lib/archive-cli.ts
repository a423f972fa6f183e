// Shared argument handling of the archive scripts (`npm run archive`, `archive:verify`, `replay`).
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { nightlyWindow } from '../../common/archive/layout';
import { type ArchiveWindow, ArchiveWindowSchema } from '../../common/contracts/archive';

export const WINDOW_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  'task-queue': { type: 'string' },
  nightly: { type: 'boolean' },
} as const satisfies ParseArgsOptionsConfig;

/** `--from <ISO> --to <ISO> [--task-queue <q>]`, or `--nightly` for the previous UTC day. */
export function windowFromArgs(values: { from?: string; to?: string; 'task-queue'?: string; nightly?: boolean }): ArchiveWindow {
  const base = values.nightly
    ? nightlyWindow(new Date())
    : { from: values.from && new Date(values.from).toISOString(), to: values.to && new Date(values.to).toISOString() };
  const parsed = ArchiveWindowSchema.safeParse({ ...base, ...(values['task-queue'] ? { taskQueue: values['task-queue'] } : {}) });
  if (!parsed.success) {
    fail(
      `expected --from <ISO instant> --to <ISO instant> (or --nightly): ${parsed.error.issues.map((i) => `${i.path.join('.') || 'window'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export function fail(message: string, code = 64): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

export function args<T extends ParseArgsOptionsConfig>(options: T) {
  try {
    return parseArgs({ options, allowPositionals: false, strict: true }).values;
  } catch (err) {
    fail((err as Error).message);
  }
}

// The HTTP status of an error the Azure Storage SDK threw (its RestError), judged by name rather than
// instanceof: the SDK ships separate ESM and CommonJS builds, and an error from one is not an instance of
// the other's class (a test runner importing ESM beside code that loads CommonJS lazily; the SDK's own
// isRestError checks the name the same way).
export function isBlobStatus(err: unknown, ...codes: number[]): boolean {
  if (!(err instanceof Error) || err.name !== 'RestError') return false;
  const status = (err as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && codes.includes(status);
}

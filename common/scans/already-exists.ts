/** gRPC ALREADY_EXISTS: a Firestore `create` found the document there (a retry, or a racing writer). */
const ALREADY_EXISTS = 6;
export const isAlreadyExists = (err: unknown) => (err as { code?: unknown } | null)?.code === ALREADY_EXISTS;

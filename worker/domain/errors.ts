/** Thrown when a domain formula receives input outside its valid domain; `code` is stable for callers. */
export class DomainInputError extends Error {
  override name = 'DomainInputError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

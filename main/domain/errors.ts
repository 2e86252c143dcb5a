/**
 * Refusals of the domain (benchmark, search, gate), in its own words: the service layer maps each to the
 * transport's ApiError with the same code and message, so nothing below services depends on a transport.
 */
export abstract class DomainError extends Error {
  abstract readonly code: 'not-found' | 'conflict' | 'invalid-input' | 'failed';
}

/** What the request names does not exist (or is not the caller's). */
export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
  readonly code = 'not-found';
}

/** The request does not fit the current state (a locked stage, a matrix that is not running). */
export class ConflictError extends DomainError {
  override name = 'ConflictError';
  readonly code = 'conflict';
}

/** The request cannot run as asked (no applicable attack, a dataset without the files it needs). */
export class InvalidInputError extends DomainError {
  override name = 'InvalidInputError';
  readonly code = 'invalid-input';
}

/** Stored data no longer reads as it was written. */
export class CorruptRecordError extends DomainError {
  override name = 'CorruptRecordError';
  readonly code = 'failed';
}

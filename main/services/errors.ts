import { ApiError } from '../../common/contract';
import { message } from '../../common/messages';
import { DomainError } from '../domain/errors';
import { StoreNotFoundError, StoreStateError, StoreValidationError } from '../store/index';

/** The store's and the domain's refusals, in the contract's vocabulary (same code, same message); anything else stays a failure. */
export function toApiError(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  if (error instanceof DomainError) return new ApiError(error.code, error.message);
  if (error instanceof StoreNotFoundError) return new ApiError('not-found', error.message);
  if (error instanceof StoreStateError) return new ApiError('conflict', error.message);
  if (error instanceof StoreValidationError) return new ApiError('invalid-input', error.message);
  return error;
}

export function notFound(what: string, id: number | string): ApiError {
  return ApiError.of('not-found', message('error.notFound', { what, id: String(id) }));
}

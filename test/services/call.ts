import { ApiError } from '../../common/contract';
import { validatedCaller } from '../../main/services/caller';
import { rejectionOf } from '../helpers/rejection';

/** Calls a handler the way both shells do: through the contract's input validation. */
export const caller = validatedCaller;

/** The ApiError a call rejects with (fails the test when it resolves or rejects with something else). */
export function apiError(promise: Promise<unknown>): Promise<ApiError> {
  return rejectionOf(promise, ApiError, 'expected an ApiError');
}

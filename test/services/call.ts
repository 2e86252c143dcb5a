import { ApiError, parseInput, type Handlers, type MethodInput, type MethodName, type MethodOutput } from '../../common/contract';
import { rejectionOf } from '../helpers/rejection';

/** Calls a handler the way both shells do: through the contract's input validation. */
export function caller(handlers: Handlers) {
  return <M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> => {
    const handler = handlers[method] as (input: unknown) => Promise<MethodOutput<M>>;
    return handler(parseInput(method, input));
  };
}

/** The ApiError a call rejects with (fails the test when it resolves or rejects with something else). */
export function apiError(promise: Promise<unknown>): Promise<ApiError> {
  return rejectionOf(promise, ApiError, 'expected an ApiError');
}

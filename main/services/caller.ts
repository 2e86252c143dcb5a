import { dispatch, type Handlers, type MethodInput, type MethodName, type MethodOutput } from '../../common/contract';

export type Caller = <M extends MethodName>(method: M, input: MethodInput<M>) => Promise<MethodOutput<M>>;

/** Calls the handlers the way both shells do: through the contract's input validation (headless tools and tests). */
export function validatedCaller(handlers: Handlers): Caller {
  return (method, input) => dispatch(handlers, method, input);
}

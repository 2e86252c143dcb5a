/**
 * The error a promise rejects with, when it is an instance of `ErrorClass`. Fails the test otherwise:
 * another error is rethrown, and a promise that resolves throws `resolvedMessage`.
 */
export async function rejectionOf<E extends Error>(promise: Promise<unknown>, ErrorClass: abstract new (...args: never[]) => E, resolvedMessage: string): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ErrorClass) return error;
    throw error;
  }
  throw new Error(resolvedMessage);
}

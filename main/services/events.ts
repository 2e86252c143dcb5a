import type { AppEvent } from '../../common/contract';

export type AppEventListener = (event: AppEvent) => void;

/** Plain function properties: they are handed around detached (emit to the job service, subscribe to the server). */
export interface EventHub {
  emit: (event: AppEvent) => void;
  /** Returns the unsubscribe function. */
  subscribe: (listener: AppEventListener) => () => void;
}

/** Fans AppEvents out to every open window / browser tab; one listener failing never stops the others. */
export function createEventHub(): EventHub {
  const listeners = new Set<AppEventListener>();
  return {
    emit: (event) => {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch {
          // A closed tab's stream is not the job's problem.
        }
      }
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

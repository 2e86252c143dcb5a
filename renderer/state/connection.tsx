import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ApiClient, AppEvent } from '../../common/contract';
import type { Connection, LinkState } from '../api/types';

const ConnectionContext = createContext<Connection | null>(null);

export function ConnectionProvider({ connection, children }: { connection: Connection; children: ReactNode }) {
  return <ConnectionContext.Provider value={connection}>{children}</ConnectionContext.Provider>;
}

export function useConnection(): Connection {
  const connection = useContext(ConnectionContext);
  if (!connection) throw new Error('useConnection outside ConnectionProvider');
  return connection;
}

export function useApi(): ApiClient {
  return useConnection().api;
}

/** Calls the newest `listener` for every pushed event while the component is mounted. */
export function useAppEvents(listener: (event: AppEvent) => void): void {
  const connection = useConnection();
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(
    () =>
      connection.onEvent((event) => {
        latest.current(event);
      }),
    [connection],
  );
}

export function useLinkState(): LinkState {
  const connection = useConnection();
  const [state, setState] = useState<LinkState>('connecting');
  useEffect(() => connection.onLinkState(setState), [connection]);
  return state;
}

import { useEffect, useRef } from 'react';
import { useThrottled } from '../../lib/use-load';
import { useAppEvents, useLinkState } from '../../state/connection';

/**
 * Calls `reload` (throttled) whenever this project changes or one of its runs changes status — the
 * moments a benchmark's cells or a search's trials move on — and once the event link is back after a
 * drop, since events sent meanwhile are lost. Step-by-step progress events are ignored: cells show
 * status, not steps.
 */
export function useProjectReload(projectId: number, reload: () => void, ms = 400): void {
  const throttled = useThrottled(reload, ms);
  useAppEvents((event) => {
    if (event.projectId !== projectId) return;
    if (event.type === 'project.changed' || event.type === 'run.status') throttled();
    else if (event.event.type === 'epoch') throttled();
  });
  const link = useLinkState();
  const previous = useRef(link);
  useEffect(() => {
    if (previous.current === 'reconnecting' && link === 'open') throttled();
    previous.current = link;
  }, [link, throttled]);
}

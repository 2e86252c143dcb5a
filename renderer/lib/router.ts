import { useSyncExternalStore } from 'react';
import { STAGE_NAMES, type StageName } from '../../common/contract';

/**
 * Hash routes, so the same build works from app:// (Electron) and from the local server:
 *   #/                          the project list
 *   #/projects/<id>             a project's wizard, on its current stage
 *   #/projects/<id>/<stage>     a project's wizard, on one stage
 *   #/projects/<id>/history     a project's audit trail
 *   #/settings                  this machine's settings (the backend doctor)
 */
export type Route = { page: 'projects' } | { page: 'settings' } | { page: 'project'; projectId: number; stage: StageName | null } | { page: 'history'; projectId: number };

export function parseRoute(hash: string): Route {
  if (/^#\/settings\/?$/.test(hash)) return { page: 'settings' };
  const match = /^#\/projects\/(\d+)(?:\/([a-z]+))?\/?$/.exec(hash);
  if (match?.[1] !== undefined) {
    const projectId = Number(match[1]);
    if (match[2] === 'history' && Number.isSafeInteger(projectId) && projectId > 0) return { page: 'history', projectId };
    const stage = STAGE_NAMES.find((s) => s === match[2]) ?? null;
    if (Number.isSafeInteger(projectId) && projectId > 0) return { page: 'project', projectId, stage };
  }
  return { page: 'projects' };
}

export function routeHref(route: Route): string {
  if (route.page === 'projects') return '#/';
  if (route.page === 'settings') return '#/settings';
  if (route.page === 'history') return `#/projects/${route.projectId}/history`;
  return `#/projects/${route.projectId}${route.stage ? `/${route.stage}` : ''}`;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => {
    window.removeEventListener('hashchange', onChange);
  };
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}

export function navigate(route: Route): void {
  window.location.hash = routeHref(route);
}

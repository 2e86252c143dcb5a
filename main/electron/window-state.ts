import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomically } from '../files/atomic-write';

/**
 * The main window's size and position, kept in <userData>/window-state.json and clamped back onto a
 * visible display on the next start (a monitor may have been unplugged since). Pure: no electron import.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

/** What BrowserWindow gets: no x/y means "centre it". */
export interface InitialWindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 820 } as const;
export const MIN_SIZE = { width: 800, height: 560 } as const;
export const WINDOW_STATE_FILE = 'window-state.json';

const Finite = z.number();
const WindowStateSchema = z.object({
  bounds: z.object({ x: Finite, y: Finite, width: Finite.positive(), height: Finite.positive() }),
  maximized: z.boolean(),
});

export function parseWindowState(value: unknown): WindowState | null {
  const parsed = WindowStateSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}

/**
 * Fits the saved bounds into the work area of the display they overlap most; bounds that overlap no
 * display, or no saved state at all, give the default size centred on the primary display.
 * `workAreas[0]` is the primary display.
 */
export function clampWindowState(saved: WindowState | null, workAreas: readonly Rect[]): InitialWindowBounds {
  const primary = workAreas[0];
  const fit = (size: number, min: number, available: number | undefined) =>
    Math.round(available === undefined ? Math.max(size, min) : Math.min(Math.max(size, min), available));
  if (saved === null) {
    return { width: fit(DEFAULT_SIZE.width, MIN_SIZE.width, primary?.width), height: fit(DEFAULT_SIZE.height, MIN_SIZE.height, primary?.height), maximized: false };
  }
  let best: Rect | undefined;
  let bestOverlap = 0;
  for (const area of workAreas) {
    const o = overlap(saved.bounds, area);
    if (o > bestOverlap) {
      best = area;
      bestOverlap = o;
    }
  }
  if (best === undefined) {
    return {
      width: fit(saved.bounds.width, MIN_SIZE.width, primary?.width),
      height: fit(saved.bounds.height, MIN_SIZE.height, primary?.height),
      maximized: saved.maximized,
    };
  }
  const width = fit(saved.bounds.width, MIN_SIZE.width, best.width);
  const height = fit(saved.bounds.height, MIN_SIZE.height, best.height);
  return {
    x: Math.round(clamp(saved.bounds.x, best.x, best.x + best.width - width)),
    y: Math.round(clamp(saved.bounds.y, best.y, best.y + best.height - height)),
    width,
    height,
    maximized: saved.maximized,
  };
}

/** A missing, unreadable or hand-broken file is simply "no saved state". */
export function loadWindowState(file: string): WindowState | null {
  try {
    return parseWindowState(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return null;
  }
}

/** Written to a temporary name and renamed, so a crash mid-write leaves the previous state. */
export function saveWindowState(file: string, state: WindowState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomically(file, `${JSON.stringify(state)}\n`);
}

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIZE, MIN_SIZE, clampWindowState, loadWindowState, parseWindowState, saveWindowState, type Rect, type WindowState } from '../../main/electron/window-state';

const primary: Rect = { x: 0, y: 25, width: 1920, height: 1055 };
/** A second monitor to the left of the primary one. */
const left: Rect = { x: -1280, y: 0, width: 1280, height: 1024 };

const state = (x: number, y: number, width: number, height: number, maximized = false): WindowState => ({ bounds: { x, y, width, height }, maximized });

function inside(bounds: { x?: number; y?: number; width: number; height: number }, area: Rect): boolean {
  return bounds.x !== undefined && bounds.y !== undefined && bounds.x >= area.x && bounds.y >= area.y && bounds.x + bounds.width <= area.x + area.width && bounds.y + bounds.height <= area.y + area.height;
}

describe('clampWindowState', () => {
  it('centres the default size when nothing was saved', () => {
    expect(clampWindowState(null, [primary])).toEqual({ ...DEFAULT_SIZE, maximized: false });
    expect(clampWindowState(null, [])).toEqual({ ...DEFAULT_SIZE, maximized: false });
    expect(clampWindowState(null, [{ x: 0, y: 0, width: 1024, height: 700 }])).toEqual({ width: 1024, height: 700, maximized: false });
  });

  it('keeps bounds that are fully visible', () => {
    expect(clampWindowState(state(100, 120, 1200, 800, true), [primary, left])).toEqual({ x: 100, y: 120, width: 1200, height: 800, maximized: true });
  });

  it('moves a window hanging off the right and bottom edges back inside', () => {
    const result = clampWindowState(state(1500, 900, 1000, 700), [primary]);
    expect(result).toMatchObject({ width: 1000, height: 700 });
    expect(inside(result, primary)).toBe(true);
    expect(result).toMatchObject({ x: 920, y: 380 });
  });

  it('moves a window above the top (under a menu bar) down', () => {
    expect(clampWindowState(state(10, -200, 900, 600), [primary])).toMatchObject({ x: 10, y: 25 });
  });

  it('shrinks a window larger than its display', () => {
    const result = clampWindowState(state(-50, -50, 4000, 3000), [primary]);
    expect(result).toEqual({ x: 0, y: 25, width: 1920, height: 1055, maximized: false });
  });

  it('keeps a window on the secondary display it mostly covers', () => {
    const result = clampWindowState(state(-1200, 100, 1000, 700), [primary, left]);
    expect(result).toMatchObject({ x: -1200, y: 100, width: 1000, height: 700 });
    expect(inside(result, left)).toBe(true);
  });

  it('recentres a window whose display was unplugged', () => {
    const result = clampWindowState(state(-1200, 100, 1000, 700), [primary]);
    expect(result).toEqual({ width: 1000, height: 700, maximized: false });
  });

  it('grows a window below the minimum size', () => {
    const result = clampWindowState(state(100, 100, 200, 100), [primary]);
    expect(result).toMatchObject({ width: MIN_SIZE.width, height: MIN_SIZE.height });
    expect(inside(result, primary)).toBe(true);
  });
});

describe('window state file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('round-trips, and reads a missing or broken file as nothing saved', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dece-window-state-'));
    const file = path.join(dir, 'nested', 'window-state.json');
    expect(loadWindowState(file)).toBeNull();
    saveWindowState(file, state(10, 20, 1000, 700, true));
    expect(loadWindowState(file)).toEqual(state(10, 20, 1000, 700, true));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(state(10, 20, 1000, 700, true));
    writeFileSync(file, '{"bounds": {"x": "left"}');
    expect(loadWindowState(file)).toBeNull();
  });

  it('rejects shapes that are not a window state', () => {
    expect(parseWindowState({ bounds: { x: 0, y: 0, width: -5, height: 10 }, maximized: false })).toBeNull();
    expect(parseWindowState({ bounds: { x: 0, y: 0, width: 5, height: 10 } })).toBeNull();
    expect(parseWindowState('window')).toBeNull();
  });
});

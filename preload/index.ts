/**
 * Preload for the sandboxed renderer. Bundled to .vite/build/preload.cjs (a sandboxed preload must be
 * CommonJS and may only require 'electron'). It exposes `window.dece` and nothing else: one function per
 * contract method and an event subscription; ipcRenderer and IPC event objects never reach the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './api';

contextBridge.exposeInMainWorld('dece', createPreloadApi(ipcRenderer));

/**
 * The preload script of the vifibnet window (sandboxed, context-isolated; built to CommonJS as
 * dist/preload/index.cjs). It exposes one thing to the page: the API transport, as
 * `window.vifibnet`.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_KEY } from '../ipc';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld(BRIDGE_KEY, createBridge(ipcRenderer));

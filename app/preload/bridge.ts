/**
 * The transport the preload exposes to the page: Electron IPC restricted to the API's own
 * channels (derived from app/ipc), so the page can reach nothing else in the main process. It
 * carries plain data only — contextBridge copies values and strips class prototypes and custom
 * error properties — and the renderer builds the typed, validating client on top of it.
 * Kept free of the `electron` import so it can be tested in plain Node.
 */
import { isCommandChannel, isEventChannel, type Transport } from '../ipc';

/** The part of Electron's `ipcRenderer` the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** Builds the {@link Transport} exposed to the page. Unknown channels are refused. */
export function createBridge(ipc: IpcRendererLike): Transport {
  return {
    send(channel, payload) {
      if (!isCommandChannel(channel)) return Promise.reject(new Error(`not an API command: ${channel}`));
      return ipc.invoke(channel, payload);
    },
    subscribe(channel, listener) {
      if (!isEventChannel(channel)) throw new Error(`not an API event: ${channel}`);
      const forward = (_event: unknown, payload: unknown) => listener(payload);
      ipc.on(channel, forward);
      return () => {
        ipc.removeListener(channel, forward);
      };
    },
  };
}

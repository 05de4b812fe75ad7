/**
 * The API over Electron IPC, main side. Every command of app/ipc is handled on its derived
 * channel (`connection.connect` …) by the dispatcher, which validates the parameters and the
 * result; every event goes to every window through the notifier, which validates the payload.
 * Only the app's own pages may call: a message from any other frame is refused.
 */
import { BrowserWindow, ipcMain } from 'electron';
import { COMMANDS, createNotifier, type Dispatch, type Notifier, type SnapshotT } from '../ipc';
import { isAppUrl } from './app-protocol';
import { toDisposable, type Disposable } from './disposable';

/** Handles every API command on its channel with `dispatch` until disposed. */
export function handleCommands(dispatch: Dispatch): Disposable {
  const channels = [...COMMANDS.keys()];
  for (const channel of channels) {
    ipcMain.handle(channel, (event, payload: unknown) => {
      const origin = event.senderFrame?.url ?? '';
      if (!isAppUrl(origin)) throw new Error(`${channel} refused: the caller is not a vifibnet page`);
      return dispatch(channel, payload);
    });
  }
  return toDisposable(() => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  });
}

/** A notifier that sends each (validated) event to every open window. */
export function windowNotifier(): Notifier {
  return createNotifier((channel, payload) => {
    for (const window of BrowserWindow.getAllWindows()) {
      if (!window.isDestroyed()) window.webContents.send(channel, payload);
    }
  });
}

/**
 * `notifier`, with `onSnapshot` also called for every `state.changed` — after the notifier has
 * validated and sent it, so a malformed snapshot reaches neither the windows nor the shell.
 */
export function tapStateChanges(notifier: Notifier, onSnapshot: (snapshot: SnapshotT) => void): Notifier {
  return {
    ...notifier,
    state: {
      ...notifier.state,
      changed: (snapshot) => {
        notifier.state.changed(snapshot);
        onSnapshot(snapshot);
      },
    },
  };
}

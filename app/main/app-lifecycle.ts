/**
 * The app's life: one instance per user (a second launch shows the first one's window and
 * exits), the shell started once the app is ready, kept alive in the tray when the window is
 * closed, and disposed completely before the process exits.
 */
import { app, dialog } from 'electron';
import { errorText } from './error-text';
import { startShell, type Shell, type ShellOptions } from './shell';

/**
 * Runs the desktop app with `options`. Returns false (and quits) when another instance already
 * runs; that instance shows its window.
 */
export function runDesktopApp(options: ShellOptions): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  let shell: Shell | null = null;
  let stopping = false;

  const starting: Promise<Shell | null> = app
    .whenReady()
    .then(() => startShell(options))
    .then((started) => (shell = started))
    .catch((err: unknown) => {
      const message = errorText(err);
      options.logger.error('The app could not start', { error: message });
      dialog.showErrorBox('vifibnet could not start', message);
      app.quit();
      return null;
    });

  app.on('second-instance', () => shell?.showWindow());
  // Closing the window keeps the app in the tray; Quit (tray menu) ends it.
  app.on('window-all-closed', () => undefined);
  app.on('will-quit', (event) => {
    if (stopping) return;
    stopping = true;
    event.preventDefault();
    void starting
      .then((started) => started?.dispose())
      .catch((err: unknown) =>
        options.logger.error('Stopping the app failed', {
          error: errorText(err),
        }),
      )
      .finally(() => app.quit());
  });
  return true;
}

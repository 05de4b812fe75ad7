/**
 * The desktop shell, put together: the renderer's origin and session policy, the engine, IPC,
 * the window, the tray, notifications, power events and the helper launcher (started from the
 * tray, or once from the window through the engine's `helper.start`, helper-start-offer.ts). This is the one
 * place that knows how the parts connect; each part knows only its own concern. Everything is
 * released by {@link Shell.dispose}, newest first, the engine last.
 */
import { join } from 'node:path';
import { app, session } from 'electron';
import { channelName, createDispatcher, describeError, type SnapshotT } from '../ipc';
import type { Logger } from '../core/log';
import { serveRenderer } from './app-protocol';
import { DisposableStore, toDisposable } from './disposable';
import type { EngineHostFactory } from './engine-host';
import { errorText } from './error-text';
import { HelperLauncher, type HelperLaunchOutcome, type SudoExec } from './helper-launcher';
import { HelperStartOffer } from './helper-start-offer';
import { handleCommands, tapStateChanges, windowNotifier } from './ipc-wiring';
import { NotificationController } from './notification-controller';
import { PowerMonitorController } from './power-monitor';
import { hardenSession } from './session-hardening';
import { TrayIconController } from './tray-icon-controller';
import type { TrayCommand, TrayModel } from './tray-menu';
import { WindowController } from './window-controller';

/** Where the shell's files are, relative to the app's root (the folder of package.json). */
export const SHELL_PATHS = {
  renderer: 'dist/renderer',
  preload: 'dist/preload/index.cjs',
  icons: 'build/icons',
  appIcon: 'build/icons/vifibnet.png',
  script: 'bin/vifibnet.mjs',
} as const;

/** What the shell needs from outside; index.ts provides the real ones. */
export interface ShellOptions {
  /** Starts the engine (the seam between the shell and app/core/node). */
  createEngineHost: EngineHostFactory;
  /** The app's root folder (`app.getAppPath()`). */
  appRoot: string;
  /** The Electron binary (`process.execPath`), used to run the helper as Node. */
  execPath: string;
  /** The user the helper is started for (`process.getuid()`). */
  uid: number;
  /** @vscode/sudo-prompt's `exec`. */
  sudoExec: SudoExec;
  /** The shell's logger. */
  logger: Logger;
}

/** The running shell. */
export interface Shell {
  /** Shows the window (a second launch of the app calls this). */
  showWindow(): void;
  /** Stops everything: windows, tray, IPC, listeners, then the engine. */
  dispose(): Promise<void>;
}

const CONNECT = channelName('connection', 'connect');
const DISCONNECT = channelName('connection', 'disconnect');

/** Starts the shell; call once the app is ready. Rejects when the engine cannot start. */
export async function startShell(options: ShellOptions): Promise<Shell> {
  const { logger: log, appRoot } = options;
  const store = new DisposableStore();
  hardenSession(session.defaultSession);
  store.add(serveRenderer(join(appRoot, SHELL_PATHS.renderer)));

  const launcher = new HelperLauncher({
    exec: options.sudoExec,
    execPath: options.execPath,
    scriptPath: join(appRoot, SHELL_PATHS.script),
    uid: options.uid,
  });
  // the window's `helper.start`; startHelper exists before any window can ask
  const helperStarter = new HelperStartOffer({
    launch: () => startHelper(),
    launching: () => launcher.state === 'launching',
  });
  const engine = await log
    .step('Starting the engine', () => options.createEngineHost({ helperStarter }))
    .catch((err: unknown) => {
      store.dispose();
      throw err;
    });
  const dispatch = createDispatcher(engine.handlers, {
    onUnexpectedError: (channel, error) =>
      log.error('A command failed unexpectedly', {
        channel,
        error: errorText(error),
      }),
  });
  store.add(handleCommands(dispatch));

  const windows = store.add(
    new WindowController({
      preloadPath: join(appRoot, SHELL_PATHS.preload),
      iconPath: join(appRoot, SHELL_PATHS.appIcon),
      logger: log.child('window'),
    }),
  );
  const power = store.add(new PowerMonitorController({ engine, logger: log.child('power') }));
  const notifications = store.add(
    new NotificationController({
      isQuiet: () => power.isQuiet(),
      onClick: () => windows.show(),
      iconPath: join(appRoot, SHELL_PATHS.appIcon),
    }),
  );

  let snapshot: SnapshotT = engine.snapshot();
  const trayModel = (): TrayModel => ({
    connection: snapshot.connection.state,
    helperLaunch: launcher.state,
  });

  const run = (channel: string) => {
    void dispatch(channel, undefined).then((reply) => {
      if (reply.ok) return;
      log.warn('A tray command failed', { channel, error: describeError(reply.error) });
      windows.show();
    });
  };
  /** Starts the helper from the tray or the window; the launch ends when the helper exits. */
  const startHelper = (): Promise<HelperLaunchOutcome> => {
    const launch = launcher.launch();
    tray.update(trayModel());
    void launch
      .then(
        (outcome) => {
          log.info('The helper launch ended', {
            outcome: outcome.kind,
            error: 'error' in outcome ? outcome.error : null,
          });
          // Without a polkit agent nobody could be asked: the window's Launch view says how to start it by hand.
          if (outcome.kind === 'no-agent') windows.show();
        },
        (err: unknown) => {
          log.error('The helper cannot be started from the app', {
            error: errorText(err),
          });
          windows.show();
        },
      )
      .finally(() => tray.update(trayModel()));
    return launch;
  };
  const commands: Record<TrayCommand, () => void> = {
    connect: () => run(CONNECT),
    disconnect: () => run(DISCONNECT),
    'start-helper': () => void startHelper().catch(() => undefined),
    open: () => windows.show(),
    quit: () => app.quit(),
  };
  const tray = store.add(
    new TrayIconController(
      { iconDir: join(appRoot, SHELL_PATHS.icons), onCommand: (command) => commands[command]() },
      trayModel(),
    ),
  );

  const onSnapshot = (next: SnapshotT) => {
    snapshot = next;
    tray.update(trayModel());
    notifications.observe(next);
  };
  notifications.observe(snapshot);
  store.add(toDisposable(engine.onEvent(tapStateChanges(windowNotifier(), onSnapshot))));
  windows.show();

  return {
    showWindow: () => windows.show(),
    dispose: async () => {
      store.dispose();
      await power.settled();
      await log.step('Stopping the engine', () => engine.dispose());
    },
  };
}

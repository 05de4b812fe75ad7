// The Electron binary cannot be downloaded or run on these machines (require('electron') throws
// in plain Node), so `electron` is mocked with small fakes (./electron-fake.ts), the engine is the
// in-memory host of ./fake-engine-host.ts, and pkexec (absent here) is a stub of sudo-prompt's
// exec. The tests check how app/main puts the parts together: the app's life (single instance,
// quit), and how engine state, tray, window, power events and the helper launcher connect.
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { createLogger } from '../../../app/core/log';
import { runDesktopApp } from '../../../app/main/app-lifecycle';
import type { SudoExec } from '../../../app/main/helper-launcher';
import { startShell, type ShellOptions } from '../../../app/main/shell';
import {
  app,
  BrowserWindow,
  dialog,
  fakeEvent,
  ipcMain,
  powerMonitor,
  protocol,
  resetElectronFake,
  session,
  Tray,
} from './electron-fake';
import { createFakeEngineHost, snapshotIn } from './fake-engine-host';

vi.mock('electron', () => import('./electron-fake'));

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function options(engine = createFakeEngineHost(), sudoExec: SudoExec = vi.fn()) {
  const shellOptions: ShellOptions = {
    createEngineHost: engine.factory,
    appRoot: '/opt/vifibnet/app',
    execPath: '/opt/vifibnet/vifibnet-desktop',
    uid: 1000,
    sudoExec,
    logger: createLogger({ scope: 'test', sink: () => undefined }),
  };
  return { engine, shellOptions };
}

/**
 * Starts the shell with the helper unreachable and a password prompt that stays open until
 * `finish()`, which ends it with `error` (pkexec's refusal).
 */
async function startWithPendingPrompt(error: string) {
  let end: () => void = () => undefined;
  const sudoExec = vi.fn<SudoExec>((_command, _options, callback) => {
    end = () => callback(new Error(error));
  });
  const { engine, shellOptions } = options(createFakeEngineHost(snapshotIn('helper-unreachable')), sudoExec);
  await startShell(shellOptions);
  return { engine, sudoExec, finish: () => end() };
}

function trayItem(label: string) {
  const tray = Tray.instances[0]!;
  return tray.menu!.items.find((item) => item.label === label);
}

describe('startShell', () => {
  beforeEach(() => resetElectronFake());

  test('wires engine state to the window and the tray, and tray commands to the engine', async () => {
    const { engine, shellOptions } = options();
    await startShell(shellOptions);
    expect(session.defaultSession.permissionRequestHandler).not.toBeNull();
    expect(protocol.handlers.has('app')).toBe(true);
    expect(ipcMain.handlers.has('connection.connect')).toBe(true);
    const [window] = BrowserWindow.instances as [BrowserWindow];
    expect(window.options.webPreferences).toMatchObject({
      preload: '/opt/vifibnet/app/dist/preload/index.cjs',
    });
    const tray = Tray.instances[0]!;
    expect(tray.image).toBe('/opt/vifibnet/app/build/icons/tray-disconnected.png');

    trayItem('Connect')!.click!();
    await flush();
    expect(engine.handlers.connection.connect).toHaveBeenCalledTimes(1);

    engine.emitSnapshot(snapshotIn('connected'));
    expect(tray.image).toBe('/opt/vifibnet/app/build/icons/tray-connected.png');
    expect(trayItem('Connect')!.enabled).toBe(false);
    expect(window.webContents.send).toHaveBeenCalledWith('state.changed', snapshotIn('connected'));

    trayItem('Disconnect')!.click!();
    await flush();
    expect(engine.handlers.connection.disconnect).toHaveBeenCalledTimes(1);
  });

  test('suspend and resume reach the engine as pause and resume', async () => {
    const { engine, shellOptions } = options();
    await startShell(shellOptions);
    powerMonitor.emit('suspend');
    powerMonitor.emit('resume');
    await flush();
    expect(engine.host.pause).toHaveBeenCalledWith('suspend');
    expect(engine.host.resume).toHaveBeenCalledTimes(1);
  });

  test('the tray offers to start the helper while it is unreachable, with the fixed command, once at a time', async () => {
    const { engine, sudoExec, finish } = await startWithPendingPrompt('User did not grant permission.');
    trayItem('Start the helper…')!.click!();
    expect(sudoExec).toHaveBeenCalledWith(
      'exec /usr/bin/systemd-cat --identifier=vifibnet-helper /usr/bin/env ELECTRON_RUN_AS_NODE=1 ' +
        '/opt/vifibnet/vifibnet-desktop /opt/vifibnet/app/bin/vifibnet.mjs ' +
        'helper --socket /run/vifibnet/helper.sock --allow-uid 1000',
      { name: 'vifibnet' },
      expect.any(Function),
    );
    expect(trayItem('Starting the helper…')!.enabled).toBe(false);
    finish();
    await flush();
    expect(trayItem('Start the helper…')!.enabled).toBe(true);
    engine.emitSnapshot(snapshotIn('disconnected'));
    expect(trayItem('Start the helper…')).toBeUndefined();
  });

  test('the window may ask once to start the helper; a later ask says what became of that attempt', async () => {
    const { engine, sudoExec, finish } = await startWithPendingPrompt('User did not grant permission.');
    const starter = engine.starter()!;
    expect(starter.canStart).toBe(true);

    await expect(ipcMain.invoke('helper.start', undefined)).resolves.toMatchObject({ ok: true });
    expect(sudoExec).toHaveBeenCalledOnce();
    expect(sudoExec.mock.calls[0]![0]).toMatch(
      / helper --socket \/run\/vifibnet\/helper\.sock --allow-uid 1000$/,
    );
    expect(starter.canStart).toBe(false);
    expect(trayItem('Starting the helper…')!.enabled).toBe(false); // one launcher for tray and window

    const second = await ipcMain.invoke('helper.start', undefined);
    expect(second).toMatchObject({ ok: false, error: { code: 'helper_start_refused' } });
    expect(JSON.stringify(second)).toMatch(/already tried to start the helper: .*prompt is still open/);
    finish();
    await flush();
    const later = await ipcMain.invoke('helper.start', undefined);
    expect(later).toMatchObject({ ok: false, error: { code: 'helper_start_refused' } });
    expect(JSON.stringify(later)).toMatch(/password prompt was dismissed.*sudo npx vifibnet helper/);
    expect(sudoExec).toHaveBeenCalledOnce();
    expect(starter.canStart).toBe(false);
  });

  test('while the tray starts the helper the window is not offered a second start', async () => {
    const { engine, sudoExec, finish } = await startWithPendingPrompt(
      'No polkit authentication agent found.',
    );
    trayItem('Start the helper…')!.click!();
    expect(engine.starter()!.canStart).toBe(false);
    await expect(ipcMain.invoke('helper.start', undefined)).resolves.toMatchObject({
      ok: false,
      error: { code: 'busy' },
    });
    finish();
    await flush();
    expect(engine.starter()!.canStart).toBe(true); // the window's own offer is still unused
    expect(sudoExec).toHaveBeenCalledOnce();
  });

  test('dispose releases everything, the engine last', async () => {
    const { engine, shellOptions } = options();
    const shell = await startShell(shellOptions);
    await shell.dispose();
    expect(engine.subscribers()).toBe(0);
    expect(Tray.instances[0]!.destroyed).toBe(true);
    expect(BrowserWindow.instances.every((w) => w.destroyed)).toBe(true);
    expect(ipcMain.handlers.size).toBe(0);
    expect(protocol.handlers.size).toBe(0);
    expect(powerMonitor.listenerCount('suspend')).toBe(0);
    expect(engine.host.dispose).toHaveBeenCalledTimes(1);
  });

  test('when the engine cannot start, nothing stays installed', async () => {
    const { shellOptions } = options();
    await expect(
      startShell({
        ...shellOptions,
        createEngineHost: () => Promise.reject(new Error('state dir unreadable')),
      }),
    ).rejects.toThrow('state dir unreadable');
    expect(protocol.handlers.size).toBe(0);
    expect(Tray.instances).toHaveLength(0);
  });
});

describe('runDesktopApp', () => {
  beforeEach(() => resetElectronFake());

  test('a second instance quits at once and starts nothing', async () => {
    app.singleInstanceLock = false;
    expect(runDesktopApp(options().shellOptions)).toBe(false);
    await flush();
    expect(app.quit).toHaveBeenCalled();
    expect(Tray.instances).toHaveLength(0);
  });

  test('the first instance shows its window again when a second one is launched', async () => {
    expect(runDesktopApp(options().shellOptions)).toBe(true);
    await flush();
    const [window] = BrowserWindow.instances as [BrowserWindow];
    window.minimized = true;
    app.emit('second-instance');
    expect(window.minimized).toBe(false);
    expect(window.focus).toHaveBeenCalled();
  });

  test('closing the window keeps the app in the tray; quitting disposes everything before exiting', async () => {
    const { engine, shellOptions } = options();
    runDesktopApp(shellOptions);
    await flush();
    expect(app.listenerCount('window-all-closed')).toBe(1);

    const firstQuit = fakeEvent({});
    app.emit('will-quit', firstQuit);
    expect(firstQuit.defaultPrevented).toBe(true);
    await flush();
    expect(engine.host.dispose).toHaveBeenCalledTimes(1);
    expect(Tray.instances[0]!.destroyed).toBe(true);
    expect(app.quit).toHaveBeenCalledTimes(1);

    const secondQuit = fakeEvent({});
    app.emit('will-quit', secondQuit);
    expect(secondQuit.defaultPrevented).toBe(false);
  });

  test('an engine that cannot start is reported in a dialog and the app quits', async () => {
    const { shellOptions } = options();
    runDesktopApp({ ...shellOptions, createEngineHost: () => Promise.reject(new Error('no state dir')) });
    await flush();
    expect(dialog.showErrorBox).toHaveBeenCalledWith('vifibnet could not start', 'no state dir');
    expect(app.quit).toHaveBeenCalled();
  });
});

describe('the engine seam', () => {
  test('the lazily loaded engine module must export createEngineHost', async () => {
    const { engineHostModule } = await import('../../../app/main/engine-host');
    const createEngineHost = () => Promise.resolve(createFakeEngineHost().host);
    expect(engineHostModule({ createEngineHost }).createEngineHost).toBe(createEngineHost);
    for (const value of [null, {}, { createEngineHost: 'x' }, { default: createEngineHost }]) {
      expect(() => engineHostModule(value)).toThrow(/does not export createEngineHost/);
    }
  });
});

// The Electron binary cannot be downloaded or run on these machines (require('electron') throws
// in plain Node), so `electron` is mocked with small fakes (./electron-fake.ts): ipcMain records
// the handlers the shell installs, and the test calls them as a page would. The dispatcher and
// notifier are the real ones of app/ipc.
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { COMMANDS, createDispatcher, EVENTS } from '../../../app/ipc';
import { handleCommands, tapStateChanges, windowNotifier } from '../../../app/main/ipc-wiring';
import { BrowserWindow, ipcMain, resetElectronFake } from './electron-fake';
import { createFakeEngineHost, snapshotIn } from './fake-engine-host';

vi.mock('electron', () => import('./electron-fake'));

describe('commands over ipcMain', () => {
  beforeEach(() => resetElectronFake());

  test('every API command is handled under its derived channel name, and only those', () => {
    const engine = createFakeEngineHost();
    const wiring = handleCommands(createDispatcher(engine.handlers));
    const expected = [...COMMANDS.values()].map(({ domain, name }) => `${domain}.${name}`);
    expect([...ipcMain.handlers.keys()].sort()).toEqual(expected.sort());
    expect(expected).toContain('connection.connect');
    expect(expected).toContain('recovery.history');
    for (const event of EVENTS.keys()) expect(ipcMain.handlers.has(event)).toBe(false);
    wiring.dispose();
    expect(ipcMain.handlers.size).toBe(0);
  });

  test('a valid command reaches its handler and answers a validated reply', async () => {
    const engine = createFakeEngineHost();
    handleCommands(createDispatcher(engine.handlers));
    await expect(ipcMain.invoke('connection.connect', undefined)).resolves.toEqual({
      ok: true,
      result: undefined,
    });
    expect(engine.handlers.connection.connect).toHaveBeenCalledTimes(1);
    await expect(ipcMain.invoke('settings.set', { helloIntervalS: 0.5 })).resolves.toMatchObject({
      ok: true,
      result: { helloIntervalS: 0.5 },
    });
  });

  test('a malformed payload is refused by the dispatcher before any handler runs', async () => {
    const engine = createFakeEngineHost();
    handleCommands(createDispatcher(engine.handlers));
    for (const [channel, payload] of [
      ['settings.set', { helloIntervalS: 0.001 }],
      ['settings.set', { helloIntervalS: 1, shell: 'rm -rf /' }],
      ['recovery.history', { from: -1 }],
      ['logs.tail', { limit: '10' }],
      ['join.enroll', { registryUrl: 'file:///etc/passwd', token: 'x', caFingerprint: 'y' }],
    ] as const) {
      const reply = await ipcMain.invoke(channel, payload);
      expect(reply, channel).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    }
    expect(engine.handlers.settings.set).not.toHaveBeenCalled();
    expect(engine.handlers.recovery.history).not.toHaveBeenCalled();
    expect(engine.handlers.logs.tail).not.toHaveBeenCalled();
    expect(engine.handlers.join.enroll).not.toHaveBeenCalled();
  });

  test('a call from a frame that is not an app page is refused', async () => {
    const engine = createFakeEngineHost();
    handleCommands(createDispatcher(engine.handlers));
    await expect(ipcMain.invoke('connection.connect', undefined, 'https://evil.example/')).rejects.toThrow(
      /not a vifibnet page/,
    );
    await expect(ipcMain.invoke('connection.connect', undefined, 'file:///tmp/x.html')).rejects.toThrow();
    expect(engine.handlers.connection.connect).not.toHaveBeenCalled();
  });
});

describe('events to windows', () => {
  beforeEach(() => resetElectronFake());

  test('each event is validated and sent to every open window on its channel', () => {
    const a = new BrowserWindow({});
    const b = new BrowserWindow({});
    const closed = new BrowserWindow({});
    closed.destroy();
    const notifier = windowNotifier();
    const snapshot = snapshotIn('connected');
    notifier.state.changed(snapshot);
    for (const window of [a, b])
      expect(window.webContents.send).toHaveBeenCalledWith('state.changed', snapshot);
    expect(closed.webContents.send).not.toHaveBeenCalled();
  });

  test('a malformed event throws where it is emitted and reaches no window', () => {
    const window = new BrowserWindow({});
    const notifier = windowNotifier();
    const bad = { ...snapshotIn('connected'), connection: { state: 'exploded', since: 0 } };
    expect(() => notifier.state.changed(bad as never)).toThrow();
    expect(window.webContents.send).not.toHaveBeenCalled();
  });

  test('tapStateChanges passes each sent snapshot to the shell too, and nothing malformed', () => {
    const window = new BrowserWindow({});
    const onSnapshot = vi.fn();
    const notifier = tapStateChanges(windowNotifier(), onSnapshot);
    notifier.state.changed(snapshotIn('degraded'));
    expect(onSnapshot).toHaveBeenCalledWith(snapshotIn('degraded'));
    expect(() => notifier.state.changed({} as never)).toThrow();
    expect(onSnapshot).toHaveBeenCalledTimes(1);
    notifier.peers.changed([]);
    expect(window.webContents.send).toHaveBeenCalledWith('peers.changed', []);
    expect(onSnapshot).toHaveBeenCalledTimes(1);
  });
});

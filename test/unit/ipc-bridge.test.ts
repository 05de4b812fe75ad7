// The Electron preload itself imports electron, which cannot run here (no binary can be fetched
// on these machines); this tests the channel-restricted bridge it exposes, with ipcRenderer faked.
import { describe, expect, test, vi } from 'vitest';
import { createBridge, type IpcRendererLike } from '../../app/preload/bridge';

function fakeIpc() {
  return {
    invoke: vi.fn(() => Promise.resolve({ ok: true, result: undefined })),
    on: vi.fn(),
    removeListener: vi.fn(),
  } satisfies IpcRendererLike;
}

describe('preload bridge', () => {
  test('forwards API commands to ipcRenderer.invoke and refuses any other channel', async () => {
    const ipc = fakeIpc();
    const bridge = createBridge(ipc);
    await expect(bridge.send('connection.connect', undefined)).resolves.toEqual({
      ok: true,
      result: undefined,
    });
    expect(ipc.invoke).toHaveBeenCalledWith('connection.connect', undefined);
    await expect(bridge.send('shell.openExternal', 'file:///etc/passwd')).rejects.toThrow(
      /not an API command/,
    );
    await expect(bridge.send('state.changed', undefined)).rejects.toThrow(/not an API command/);
    expect(ipc.invoke).toHaveBeenCalledTimes(1);
  });

  test('subscribes to API events only, passes the payload alone, and unsubscribes the same listener', () => {
    const ipc = fakeIpc();
    const bridge = createBridge(ipc);
    const listener = vi.fn();
    const unsubscribe = bridge.subscribe('peers.changed', listener);
    const [[channel, forward]] = ipc.on.mock.calls as unknown as [
      [string, (event: unknown, payload: unknown) => void],
    ];
    expect(channel).toBe('peers.changed');
    forward({ sender: 'ipc event object' }, []);
    expect(listener).toHaveBeenCalledWith([]);
    unsubscribe();
    expect(ipc.removeListener).toHaveBeenCalledWith('peers.changed', forward);
    expect(() => bridge.subscribe('connection.connect', listener)).toThrow(/not an API event/);
  });
});

/**
 * The engine host (app/core/node/engine-host.ts) over a fake running node: what `settings.set`
 * asks of the running node and what it stores in the state directory (settings-file.ts), and how
 * `helper.start` is answered with and without the desktop shell's starter. Commands go through
 * the API's real dispatcher, so parameters are validated as they are for a window. The real node
 * needs root, the helper and namespaces: test/integration/node-pair.test.ts runs it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createLogger } from '../../app/core/log';
import { createEngineHostFor, type RunningNode } from '../../app/core/node/engine-host';
import { LogRing } from '../../app/core/node/log-ring';
import { readSettingsOverrides } from '../../app/core/node/settings-file';
import { createDispatcher, HELPER_START_COMMAND, type Dispatch } from '../../app/ipc';
import type { EngineHost, HelperStarter } from '../../app/main/engine-host';
import { DEFAULT_PARAMETERS } from '../../app/registry/network-config';
import { fakeRunningNode } from '../support/fake-running-node';

describe('engine host', () => {
  let dir: string;
  let node: ReturnType<typeof fakeRunningNode>;
  const hosts: EngineHost[] = [];

  const hostOver = async (running: RunningNode | null, helperStarter?: HelperStarter) => {
    const logs = new LogRing();
    const host = await createEngineHostFor(running, {
      stateDir: dir,
      logs,
      logger: createLogger({ scope: 'test', sink: logs.sink }),
      launch: () => Promise.reject(new Error('no launch in these tests')),
      helperStarter,
    });
    hosts.push(host);
    return { host, dispatch: createDispatcher(host.handlers) };
  };

  const errorOf = async (dispatch: Dispatch, channel: string, payload?: unknown) => {
    const reply = await dispatch(channel, payload);
    if (reply.ok) throw new Error(`${channel} was accepted`);
    return reply.error;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vifibnet-host-'));
    node = fakeRunningNode();
  });

  afterEach(async () => {
    for (const host of hosts.splice(0)) await host.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('settings.set', () => {
    test('hands new tunnel settings to the running node and stores them', async () => {
      const { host, dispatch } = await hostOver(node);
      const patch = { clientCount: 4, maxClients: 30, tunnelRefreshS: 600 };
      await expect(dispatch('settings.set', patch)).resolves.toMatchObject({ ok: true, result: patch });
      expect(node.configureTunnels).toHaveBeenCalledExactlyOnceWith({
        clientCount: 4,
        maxClients: 30,
        tunnelRefreshInterval: 600,
      });
      expect(node.configureBabel).not.toHaveBeenCalled();
      expect(readSettingsOverrides(dir)).toEqual(patch);
      expect(host.snapshot().settings).toMatchObject(patch);

      // kept across a restart of the app
      await host.dispose();
      hosts.splice(0);
      const { dispatch: again } = await hostOver(null);
      await expect(again('settings.get', undefined)).resolves.toMatchObject({ ok: true, result: patch });
    });

    test('passes every tunnel setting, changed or not, and leaves the node alone when none changed', async () => {
      const { dispatch } = await hostOver(node);
      await dispatch('settings.set', { tunnelRefreshS: 900 });
      expect(node.configureTunnels).toHaveBeenCalledExactlyOnceWith({
        clientCount: DEFAULT_PARAMETERS.clientCount,
        maxClients: DEFAULT_PARAMETERS.maxClients,
        tunnelRefreshInterval: 900,
      });
      await dispatch('settings.set', { helloIntervalS: 0.5, clientCount: DEFAULT_PARAMETERS.clientCount });
      expect(node.configureBabel).toHaveBeenCalledExactlyOnceWith({ helloInterval: 0.5, wireless: false });
      expect(node.configureTunnels).toHaveBeenCalledTimes(1);
    });

    test('refuses an invalid value with its message, and changes nothing', async () => {
      const { host, dispatch } = await hostOver(node);
      const error = await errorOf(dispatch, 'settings.set', { clientCount: 3, maxClients: 0 });
      expect(error.code).toBe('invalid_params');
      expect(error.message).toMatch(/at least 1 incoming/);
      expect(node.configureTunnels).not.toHaveBeenCalled();
      expect(readSettingsOverrides(dir)).toEqual({});
      expect(host.snapshot().settings.clientCount).toBe(DEFAULT_PARAMETERS.clientCount);
    });

    test('stores nothing when the running node could not apply it', async () => {
      node.configureTunnels.mockRejectedValueOnce(new Error('the node is not running'));
      const { host, dispatch } = await hostOver(node);
      expect(await errorOf(dispatch, 'settings.set', { clientCount: 3 })).toMatchObject({ code: 'internal' });
      expect(readSettingsOverrides(dir)).toEqual({});
      expect(host.snapshot().settings.clientCount).toBe(DEFAULT_PARAMETERS.clientCount);
    });
  });

  describe('helper.start', () => {
    test('is refused without a starter, saying how to start the helper by hand', async () => {
      const { host, dispatch } = await hostOver(node);
      expect(host.snapshot().helper.canStart).toBe(false);
      const error = await errorOf(dispatch, 'helper.start');
      expect(error.code).toBe('helper_start_refused');
      expect(error.message).toContain(HELPER_START_COMMAND);
    });

    test("is answered by the shell's starter, whose offer the snapshot shows", async () => {
      const offer = { canStart: true, start: vi.fn(() => Promise.resolve()) };
      const { host, dispatch } = await hostOver(node, offer);
      expect(host.snapshot().helper.canStart).toBe(true);
      await expect(dispatch('helper.start', undefined)).resolves.toEqual({ ok: true, result: undefined });
      expect(offer.start).toHaveBeenCalledOnce();
      offer.canStart = false;
      expect(host.snapshot().helper.canStart).toBe(false);
    });
  });
});

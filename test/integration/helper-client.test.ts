/**
 * The typed helper client against a real helper process: typed calls, typed errors, and
 * reconnection with a fresh snapshot when the helper restarts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HelperCallError,
  HelperClient,
  type HelperConnectionEvent,
} from '../../app/core/helper-client/client';
import { createLogger } from '../../app/core/log';
import { startHelperProcess, type HelperProcess } from '../support/helper-process';
import { createNetns, pollUntil, type Netns } from '../../app/cli/demo/netns';

describe('helper client', () => {
  let dir: string;
  let ns: Netns;
  const started: HelperProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vfb-client-'));
    ns = await createNetns('vfbhc');
  });

  afterAll(async () => {
    for (const h of started) {
      await h.client.dispose().catch(() => undefined);
      h.child.kill('SIGKILL');
    }
    await ns?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('calls typed operations and maps helper errors to typed errors', async () => {
    const h = await startHelperProcess(ns, dir, 'typed');
    started.push(h);
    const hello = await h.client.call('hello', {});
    expect(hello.protocol).toBe(1);
    expect(h.client.snapshot?.devices).toEqual([]);

    await expect(h.client.call('device.create', { name: 'vfbt-typed', mode: 'tap' })).resolves.toEqual({
      name: 'vfbt-typed',
      created: true,
    });
    const error = await h.client.call('device.remove', { name: 'eth0' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HelperCallError);
    expect((error as HelperCallError).code).toBe('invalid_params');
    await h.client.call('shutdown', {});
    await h.exited;
  });

  it('reconnects by itself when the helper restarts and re-reads the snapshot', async () => {
    const first = await startHelperProcess(ns, dir, 'restart');
    started.push(first);
    const quiet = createLogger({ scope: 'test-client', level: 'error' });
    const client = await HelperClient.connect(first.socket, {
      logger: quiet,
      reconnectDelayMs: { min: 50, max: 200 },
    });
    const seen: HelperConnectionEvent[] = [];
    client.onConnectionChange((e) => seen.push(e));
    try {
      await client.call('device.create', { name: 'vfbt-before', mode: 'tap' });
      expect((await client.call('status', {})).devices.map((d) => d.name)).toEqual(['vfbt-before']);

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      await pollUntil(
        'the client to notice the helper is gone',
        () => seen.some((e) => e.state === 'disconnected'),
        { timeoutMs: 10_000 },
      );
      const refused = await client.call('status', {}).catch((e: unknown) => e);
      expect((refused as HelperCallError).code).toBe('unreachable');

      const second = await startHelperProcess(ns, dir, 'restart');
      started.push(second);
      const reconnected = await pollUntil(
        'the client to reconnect',
        () =>
          seen.find(
            (e): e is Extract<HelperConnectionEvent, { state: 'connected' }> => e.state === 'connected',
          ),
        { timeoutMs: 10_000 },
      );
      // the stopped helper undid its device; the fresh snapshot says so
      expect(reconnected.snapshot.devices).toEqual([]);
      expect(client.snapshot?.devices).toEqual([]);
      await expect(client.call('hello', {})).resolves.toMatchObject({ protocol: 1 });
      await second.client.call('shutdown', {});
      await second.exited;
    } finally {
      await client.dispose();
    }
  });
});

import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ApiError } from '../../../app/ipc';
import { useConnectionStore } from '../../../renderer/stores/connection';
import { useHelperStore } from '../../../renderer/stores/helper';
import { MAX_LOG_LINES, useLogsStore } from '../../../renderer/stores/logs';
import { usePeersStore } from '../../../renderer/stores/peers';
import { useRecoveryStore } from '../../../renderer/stores/recovery';
import { useSettingsStore } from '../../../renderer/stores/settings';
import { HYDRATE_RETRY_MS, useSessionStore } from '../../../renderer/stores/sync';
import { createFakeEngine, sampleSnapshot, syncedPinia } from './fake-engine';

afterEach(() => {
  vi.useRealTimers();
});

describe('stores', () => {
  test('are hydrated from one state snapshot', async () => {
    const pinia = await syncedPinia(createFakeEngine());
    expect(useSessionStore(pinia).hydrated).toBe(true);
    expect(useConnectionStore(pinia)).toMatchObject({
      state: 'connected',
      enrolled: true,
      node: { name: 'node-1' },
    });
    expect(useHelperStore(pinia).unreachable).toBe(false);
    expect(usePeersStore(pinia).sorted.map((p) => p.name)).toEqual(['node-2', 'node-3']);
    expect(useSettingsStore(pinia).draft).toMatchObject({
      helloIntervalS: 1,
      registryUrl: 'https://registry.example.net',
    });
  });

  test('change only on events: a command alone leaves the state as it was', async () => {
    const engine = createFakeEngine();
    const pinia = await syncedPinia(engine);
    const connection = useConnectionStore(pinia);
    await connection.toggle();
    expect(engine.handlers.connection.disconnect).toHaveBeenCalledOnce();
    expect(connection.state).toBe('connected');

    engine.notify.state.changed({ ...sampleSnapshot(), connection: { state: 'disconnected', since: 5 } });
    expect(connection.state).toBe('disconnected');
    expect(connection.active).toBe(false);

    engine.notify.peers.changed([]);
    expect(usePeersStore(pinia).peers).toEqual([]);
  });

  test('a malformed event changes nothing', async () => {
    const engine = createFakeEngine();
    const pinia = await syncedPinia(engine);
    engine.emitRaw('state.changed', { connection: { state: 'exploded' } });
    expect(useConnectionStore(pinia).state).toBe('connected');
  });

  test('a failed command keeps its typed error for the view', async () => {
    const engine = createFakeEngine();
    engine.handlers.connection.disconnect.mockRejectedValueOnce(
      new ApiError('helper_unreachable', 'socket gone'),
    );
    const connection = useConnectionStore(await syncedPinia(engine));
    await connection.toggle();
    expect(connection.error).toEqual({ code: 'helper_unreachable', message: 'socket gone' });
    expect(connection.pending).toBe(false);
  });

  test('a "helper not running" error goes once a snapshot says the helper runs', async () => {
    const engine = createFakeEngine({
      ...sampleSnapshot(),
      connection: { state: 'disconnected', since: 1 },
    });
    engine.handlers.connection.connect.mockRejectedValueOnce(new ApiError('helper_unreachable', 'no socket'));
    const connection = useConnectionStore(await syncedPinia(engine));
    await connection.toggle();
    expect(connection.error).toMatchObject({ code: 'helper_unreachable' });

    engine.notify.state.changed({ ...sampleSnapshot(), connection: { state: 'connected', since: 2 } });
    expect(connection.error).toBeNull();
  });

  test('keep asking for the first snapshot until the engine answers', async () => {
    vi.useFakeTimers();
    const engine = createFakeEngine();
    engine.handlers.state.get.mockRejectedValueOnce(new ApiError('unreachable', 'no node'));
    const pinia = await syncedPinia(engine);
    const session = useSessionStore(pinia);
    expect(session).toMatchObject({ hydrated: false, error: { code: 'unreachable' } });
    await vi.advanceTimersByTimeAsync(HYDRATE_RETRY_MS);
    expect(session).toMatchObject({ hydrated: true, error: null });
  });

  test('recovery events extend the timeline and refresh history when an outage ends', async () => {
    const engine = createFakeEngine();
    const recovery = useRecoveryStore(await syncedPinia(engine));
    await recovery.load();
    expect(recovery.timeline.map((e) => e.kind)).toEqual(['recovered', 'outage-started']);
    expect(recovery.longestOutageMs).toBe(4400);
    expect(recovery.availability).toBeCloseTo(1 - (0.5 * 4400) / 3_600_000, 6);

    engine.notify.recovery.recorded({
      at: Date.now(),
      kind: 'route-switched',
      peer: 'node-3',
      detail: '',
      outageMs: null,
    });
    expect(recovery.timeline[0]?.kind).toBe('route-switched');
    expect(engine.handlers.recovery.history).toHaveBeenCalledTimes(1);

    engine.notify.recovery.recorded({
      at: Date.now(),
      kind: 'recovered',
      peer: 'node-3',
      detail: '',
      outageMs: 900,
    });
    await flushPromises();
    expect(engine.handlers.recovery.history).toHaveBeenCalledTimes(2);
    expect(engine.handlers.recovery.distribution).toHaveBeenCalledTimes(2);
  });

  test('log lines arrive by event and the oldest are dropped beyond the cap', async () => {
    const engine = createFakeEngine();
    const logs = useLogsStore(await syncedPinia(engine));
    for (let i = 0; i <= MAX_LOG_LINES; i++)
      engine.notify.logs.line({
        at: i,
        level: i % 2 ? 'debug' : 'warn',
        scope: 'core',
        message: `line ${i}`,
      });
    expect(logs.lines).toHaveLength(MAX_LOG_LINES);
    expect(logs.lines[0]?.message).toBe('line 1');
    expect(logs.visible.every((line) => line.level === 'warn')).toBe(true);
  });

  test('settings: edited fields survive a snapshot, untouched ones follow it, and only changes are sent', async () => {
    const engine = createFakeEngine();
    const settings = useSettingsStore(await syncedPinia(engine));
    settings.draft.helloIntervalS = 0.5;
    engine.notify.state.changed({
      ...sampleSnapshot(),
      settings: { ...sampleSnapshot().settings, clientCount: 12 },
    });
    expect(settings.draft).toMatchObject({ helloIntervalS: 0.5, clientCount: 12 });
    expect(settings.changed).toEqual(['helloIntervalS']);

    await settings.apply();
    expect(engine.handlers.settings.set).toHaveBeenCalledWith({ helloIntervalS: 0.5 });
    expect(settings.applied?.helloIntervalS).toBe(1);
  });

  test('settings: an invalid draft is never sent', async () => {
    const engine = createFakeEngine();
    const settings = useSettingsStore(await syncedPinia(engine));
    settings.draft.helloIntervalS = 0.01;
    expect(settings.errors.helloIntervalS).toMatch(/at least 0.05 s/);
    expect(settings.estimate).toBeNull();
    await settings.apply();
    expect(engine.handlers.settings.set).not.toHaveBeenCalled();
  });
});

/**
 * An in-memory {@link EngineHost} for the shell's tests: recording handlers that answer valid
 * results, a settable snapshot, and `emitSnapshot` to push `state.changed` through whatever
 * notifiers the shell subscribed. Like the real host, it answers `helper.start` with the starter
 * the shell lent it (`factory`), or refuses it without one. It stands in for the engine of app/core/node, which needs the
 * helper, OpenVPN and babeld and is tested against them elsewhere.
 */
import { vi } from 'vitest';
import { refuseHelperStart } from '../../../app/core/node/helper-start';
import type { ConnectionStateT, Notifier, SnapshotT } from '../../../app/ipc';
import type { EngineHost, EngineHostFactory, HelperStarter } from '../../../app/main/engine-host';
import { createFakeHandlers } from '../../support/fake-api-handlers';

/** A snapshot in `state` with two peers, one unreachable when degraded. */
export function snapshotIn(
  state: ConnectionStateT,
  since = 1_700_000_000_000,
  helper: 'reachable' | 'unreachable' = state === 'helper-unreachable' ? 'unreachable' : 'reachable',
): SnapshotT {
  const peer = (name: string, up: boolean) => ({
    name,
    prefix: `fd00:1:2:${name.slice(-1)}::/64`,
    address: `fd00:1:2:${name.slice(-1)}::1`,
    state: up ? ('connected' as const) : ('unreachable' as const),
    rttMs: up ? 12 : null,
    routes: up ? 2 : 0,
    upSince: up ? since : null,
    lastError: null,
  });
  return {
    connection: { state, since },
    node: { name: 'node-1', prefix: 'fd00:1:2:1::/64', address: 'fd00:1:2:1::1' },
    tunnels: [],
    peers: [peer('node-2', true), peer('node-3', state !== 'degraded')],
    registry: { url: 'https://registry.example.net', reachable: true, checkedAt: since },
    helper: { state: helper, since, lastError: null, nextRetryAt: null, canStart: false },
    settings: {
      helloIntervalS: 1,
      linkMode: 'wired',
      clientCount: 10,
      maxClients: 20,
      tunnelRefreshS: 300,
      registryUrl: 'https://registry.example.net',
    },
  };
}

/** Creates the fake engine host. */
export function createFakeEngineHost(initial: SnapshotT = snapshotIn('disconnected')) {
  let current = initial;
  let starter: HelperStarter | undefined;
  const notifiers = new Set<Notifier>();
  const handlers = createFakeHandlers(() => current, {
    startHelper: () => (starter ? starter.start() : refuseHelperStart()),
  });

  const host = {
    handlers,
    onEvent: vi.fn((notifier: Notifier) => {
      notifiers.add(notifier);
      return () => notifiers.delete(notifier);
    }),
    snapshot: () => current,
    pause: vi.fn((_reason: 'suspend') => Promise.resolve()),
    resume: vi.fn(() => Promise.resolve()),
    dispose: vi.fn(() => Promise.resolve()),
  } satisfies EngineHost;

  /** The factory the shell starts this host with; it keeps the starter the shell lends. */
  const factory: EngineHostFactory = (options) => {
    starter = options?.helperStarter;
    return Promise.resolve(host);
  };

  return {
    host,
    handlers,
    factory,
    /** The starter the shell lent, if any. */
    starter: () => starter,
    /** How many notifiers are subscribed. */
    subscribers: () => notifiers.size,
    /** Makes `snapshot` current and emits it as `state.changed`. */
    emitSnapshot(snapshot: SnapshotT) {
      current = snapshot;
      for (const notifier of notifiers) notifier.state.changed(snapshot);
    },
  };
}

/**
 * An in-memory {@link EngineHost} for the shell's tests: recording handlers that answer valid
 * results, a settable snapshot, and `emitSnapshot` to push `state.changed` through whatever
 * notifiers the shell subscribed. Like the real host, it answers `helper.start` with the starter
 * the shell lent it (`factory`), or refuses it without one. It stands in for the engine of app/core/node, which needs the
 * helper, OpenVPN and babeld and is tested against them elsewhere.
 */
import { vi } from 'vitest';
import { refuseHelperStart } from '../../../app/core/node/helper-start';
import type { ConnectionStateT, Handlers, Notifier, SnapshotT } from '../../../app/ipc';
import type { EngineHost, EngineHostFactory, HelperStarter } from '../../../app/main/engine-host';

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
  const handlers = {
    state: { get: vi.fn(() => Promise.resolve(current)) },
    connection: { connect: vi.fn(() => Promise.resolve()), disconnect: vi.fn(() => Promise.resolve()) },
    peers: { list: vi.fn(() => Promise.resolve(current.peers)) },
    recovery: {
      history: vi.fn((query: { from: number }) =>
        Promise.resolve({
          from: query.from,
          to: query.from + 1,
          peer: null,
          reachability: [],
          outages: [],
          events: [],
        }),
      ),
      distribution: vi.fn(() =>
        Promise.resolve({
          recovered: 0,
          medianMs: null,
          p95Ms: null,
          buckets: [1_000, 5_000, 30_000, 120_000].map((withinMs) => ({ withinMs, share: 0 })),
        }),
      ),
    },
    settings: {
      get: vi.fn(() => Promise.resolve(current.settings)),
      set: vi.fn((patch: object) => Promise.resolve({ ...current.settings, ...patch })),
    },
    logs: { tail: vi.fn(() => Promise.resolve([])) },
    join: {
      inspect: vi.fn((params: { registryUrl: string }) =>
        Promise.resolve({
          registryUrl: params.registryUrl,
          caFingerprint: 'ab'.repeat(32),
          networkPrefix: 'fd00:1:2::/48',
        }),
      ),
      enroll: vi.fn(() =>
        Promise.resolve({ name: 'node-1', prefix: 'fd00:1:2:1::/64', address: 'fd00:1:2:1::1' }),
      ),
    },
    helper: {
      retry: vi.fn(() => Promise.resolve()),
      start: vi.fn(() => (starter ? starter.start() : refuseHelperStart())),
    },
  } satisfies Handlers;

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

/**
 * Recording handlers of the whole typed API (app/ipc) for tests of the shell and the renderer:
 * every command a `vi.fn` answering a valid result from the current snapshot. The recovery
 * answers and the `helper.start` behaviour differ between suites and are passed in.
 */
import { vi } from 'vitest';
import type {
  Handlers,
  NodeIdentityT,
  RecoveryDistributionT,
  RecoveryHistoryT,
  RecoveryQueryT,
  SnapshotT,
} from '../../app/ipc';

/** What differs between the fakes of the suites. */
export interface FakeHandlerOptions {
  /** The answer of `recovery.history` (default: nothing recorded). */
  history?: (query: RecoveryQueryT) => RecoveryHistoryT;
  /** The answer of `recovery.distribution` (default: nothing recovered yet). */
  distribution?: () => RecoveryDistributionT;
  /** The identity `join.enroll` returns. */
  enrolled?: NodeIdentityT;
  /** `helper.start` (default: resolves). */
  startHelper?: () => Promise<void>;
}

/** An empty recovery history over the queried period. */
function emptyHistory(query: RecoveryQueryT): RecoveryHistoryT {
  return { from: query.from, to: query.from + 1, peer: null, reachability: [], outages: [], events: [] };
}

/** No recovery recorded yet. */
function noRecoveries(): RecoveryDistributionT {
  return {
    recovered: 0,
    medianMs: null,
    p95Ms: null,
    buckets: [1_000, 5_000, 30_000, 120_000].map((withinMs) => ({ withinMs, share: 0 })),
  };
}

/** Handlers over the snapshot `current()` returns at each call. */
export function createFakeHandlers(current: () => SnapshotT, options: FakeHandlerOptions = {}) {
  const history = options.history ?? emptyHistory;
  const distribution = options.distribution ?? noRecoveries;
  const enrolled = options.enrolled ?? {
    name: 'node-1',
    prefix: 'fd00:1:2:1::/64',
    address: 'fd00:1:2:1::1',
  };
  return {
    state: { get: vi.fn(() => Promise.resolve(current())) },
    connection: { connect: vi.fn(() => Promise.resolve()), disconnect: vi.fn(() => Promise.resolve()) },
    peers: { list: vi.fn(() => Promise.resolve(current().peers)) },
    recovery: {
      history: vi.fn((query: RecoveryQueryT) => Promise.resolve(history(query))),
      distribution: vi.fn(() => Promise.resolve(distribution())),
    },
    settings: {
      get: vi.fn(() => Promise.resolve(current().settings)),
      set: vi.fn((patch: object) => Promise.resolve({ ...current().settings, ...patch })),
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
      enroll: vi.fn(() => Promise.resolve(enrolled)),
    },
    helper: {
      retry: vi.fn(() => Promise.resolve()),
      start: vi.fn(options.startHelper ?? (() => Promise.resolve())),
    },
  } satisfies Handlers;
}

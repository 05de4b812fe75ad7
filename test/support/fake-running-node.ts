/**
 * A fake running node (the {@link RunningNode} the engine host drives) for tests of the host and
 * the UI server: a fixed status, a babel table (or none), reconfigurations recorded as mocks. The
 * real node needs root, the helper and namespaces (test/integration/node-pair.test.ts).
 */
import { vi } from 'vitest';
import { RoutingTable } from '../../app/core/babel/routing-table';
import type { RunningNode } from '../../app/core/node/engine-host';
import { zeroCounters, type NodeStatus, type TunnelStatus } from '../../app/core/node/status';

/** What differs between the fakes the tests need. */
export interface FakeRunningNodeOptions {
  /** Tunnels in the status (none by default). */
  tunnels?: TunnelStatus[];
  /** Whether the node has a babel table (an empty one) or none yet. */
  withBabelTable?: boolean;
  /** Registry reachability in the status (not checked yet by default). */
  registryReachable?: boolean | null;
}

/** A fake running node of prefix fd00:1:2:1::/64 in network fd00::/16. */
export function fakeRunningNode(options: FakeRunningNodeOptions = {}) {
  const now = Date.now();
  const reachable = options.registryReachable ?? null;
  const status: NodeStatus = {
    node: {
      name: 'fd00000100020001-64',
      prefix: 'fd00:1:2:1::/64',
      address: 'fd00:1:2:1::1',
      networkPrefix: 'fd00::/16',
    },
    startedAt: now,
    ready: true,
    tunnels: options.tunnels ?? [],
    peers: { known: options.tunnels?.length ?? 0, alive: options.tunnels?.length ?? 0, dead: 0 },
    registry: {
      url: 'https://registry.example.net',
      reachable,
      checkedAt: reachable === null ? null : now,
      lastError: null,
    },
    counters: zeroCounters(),
  };
  const table = options.withBabelTable ? new RoutingTable() : null;
  return {
    status: (): NodeStatus => status,
    helperConnected: true,
    babelTable: () => table,
    configureBabel: vi.fn(() => Promise.resolve()),
    configureTunnels: vi.fn(() => Promise.resolve()),
    pause: vi.fn(),
    resume: vi.fn(),
    stop: vi.fn(() => Promise.resolve()),
  } satisfies RunningNode;
}

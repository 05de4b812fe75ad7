/**
 * A fake running node (the {@link RunningNode} the engine host drives) for tests of the host and
 * the UI server: a fixed status, a babel table (or none), reconfigurations recorded as mocks,
 * probe results fired by the test ({@link FakeRunningNode.probeResult}), and a stop that can be
 * held open ({@link FakeRunningNode.holdStop}) to observe the host while the node drains. The
 * real node needs root, the helper and namespaces (test/integration/node-pair.test.ts).
 */
import { vi } from 'vitest';
import { Emitter } from '../../app/core/babel/emitter';
import { RoutingTable } from '../../app/core/babel/routing-table';
import { clientDevice, peerName } from '../../app/core/node/addressing';
import type { RunningNode } from '../../app/core/node/engine-host';
import { zeroCounters, type NodeStatus, type TunnelStatus } from '../../app/core/node/status';
import type { ProbeResult } from '../../app/core/recovery';

/** What differs between the fakes the tests need. */
export interface FakeRunningNodeOptions {
  /** Tunnels in the status (none by default). */
  tunnels?: TunnelStatus[];
  /** Whether the node has a babel table (an empty one) or none yet. */
  withBabelTable?: boolean;
  /** Registry reachability in the status (not checked yet by default). */
  registryReachable?: boolean | null;
}

/** An outgoing tunnel in state `up` to the peer of `prefix` (fd00:1:2:<n>::/64), carrying a route. */
export function tunnelUpTo(prefix: string, since = Date.now()): TunnelStatus {
  return {
    peer: peerName(prefix),
    prefix,
    direction: 'outgoing',
    device: clientDevice(prefix, 0),
    slot: 'explorer',
    state: 'up',
    routes: 1,
    rttMs: 12.5,
    since,
  };
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
  const probes = new Emitter<ProbeResult>();
  let held: Promise<void> | null = null;
  const node = {
    status: (): NodeStatus => status,
    helperConnected: true,
    babelTable: () => table,
    configureBabel: vi.fn(() => Promise.resolve()),
    configureTunnels: vi.fn(() => Promise.resolve()),
    pause: vi.fn(),
    resume: vi.fn(),
    stop: vi.fn(() => held ?? Promise.resolve()),
    onDidProbe: probes.event,
  } satisfies RunningNode;
  return {
    ...node,
    /** Fires a probe result, as the node's overlay prober does (engine.ts). */
    probeResult: (result: ProbeResult): void => probes.fire(result),
    /**
     * Makes `stop()` pend (as a real node's does while it drains its tunnels) until the returned
     * function is called.
     */
    holdStop: (): (() => void) => {
      let release = (): void => undefined;
      held = new Promise<void>((resolve) => (release = resolve));
      return () => {
        held = null;
        release();
      };
    },
  };
}

/** The fake {@link fakeRunningNode} returns. */
export type FakeRunningNode = ReturnType<typeof fakeRunningNode>;

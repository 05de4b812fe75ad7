import { describe, expect, test } from 'vitest';
import { parseLogLine, LogRing } from '../../app/core/node/log-ring';
import { peerOfPrefix, peersOf, snapshotOf } from '../../app/core/node/snapshot';
import { zeroCounters, type NodeStatus, type TunnelStatus } from '../../app/core/node/status';
import { createLogger } from '../../app/core/log';
import { LogLine, Snapshot } from '../../app/ipc';

const OWN = 'fd00:1:2:1::/64';
const tunnel = (
  peer: string,
  prefix: string,
  state: TunnelStatus['state'],
  rttMs: number | null,
): TunnelStatus => ({
  peer,
  prefix,
  direction: 'outgoing',
  device: `vfb${peer.slice(-4)}`,
  slot: 'explorer',
  state,
  routes: state === 'up' ? 2 : 0,
  rttMs,
  since: 1_000,
});

describe('engine status in API terms', () => {
  test('babel destinations name their peer, except our own prefix, default and host routes', () => {
    expect(peerOfPrefix('fd00:1:2:2::/64', OWN)).toBe('fd00000100020002-64');
    expect(peerOfPrefix('fd00:1:2:1::/64', OWN)).toBeNull();
    expect(peerOfPrefix('::/0', OWN)).toBeNull();
    expect(peerOfPrefix('fd00:1:2:2::1/128', OWN)).toBeNull();
    expect(peerOfPrefix('not a prefix', OWN)).toBeNull();
  });

  test('peers: tunnel peers first-hand, then what babel routes', () => {
    const peers = peersOf(
      [
        tunnel('fd00000100020002-64', 'fd00:1:2:2::/64', 'up', 20),
        tunnel('fd00000100020002-64', 'fd00:1:2:2::/64', 'up', 12),
        tunnel('fd00000100020003-64', 'fd00:1:2:3::/64', 'opening', null),
      ],
      ['fd00:1:2:2::/64', 'fd00:1:2:4::/64', OWN],
      OWN,
    );
    expect(peers.map((p) => [p.name, p.state, p.rttMs, p.routes, p.upSince])).toEqual([
      ['fd00000100020002-64', 'connected', 12, 4, 1_000],
      ['fd00000100020003-64', 'connecting', null, 0, null],
      ['fd00000100020004-64', 'reachable', null, 0, null],
    ]);
    expect(peers[0]!.address).toBe('fd00:1:2:2::1');
  });

  test('the snapshot validates, running or not', () => {
    const status: NodeStatus = {
      node: {
        name: 'fd00000100020001-64',
        prefix: OWN,
        address: 'fd00:1:2:1::1',
        networkPrefix: 'fd00::/16',
      },
      startedAt: 0,
      ready: true,
      tunnels: [tunnel('fd00000100020002-64', 'fd00:1:2:2::/64', 'up', 5)],
      peers: { known: 1, alive: 1, dead: 0 },
      registry: { url: 'https://registry.example.net', reachable: false, checkedAt: 5, lastError: 'down' },
      counters: zeroCounters(),
    };
    const parts = {
      connection: { state: 'connected' as const, since: 1 },
      identity: null,
      peers: [],
      helper: { state: 'reachable' as const, since: 1, lastError: null, nextRetryAt: null, canStart: false },
      settings: {
        helloIntervalS: 1,
        linkMode: 'wired' as const,
        clientCount: 10,
        maxClients: 25,
        tunnelRefreshS: 300,
        registryUrl: null,
      },
    };
    const running = Snapshot.parse(snapshotOf({ ...parts, status }));
    expect(running.node?.prefix).toBe(OWN);
    expect(running.tunnels).toHaveLength(1);
    expect(running.registry).toEqual({ url: 'https://registry.example.net', reachable: false, checkedAt: 5 });
    const stopped = Snapshot.parse(snapshotOf({ ...parts, status: null }));
    expect(stopped).toMatchObject({ node: null, tunnels: [], registry: { url: null, reachable: null } });
  });
});

describe('log ring', () => {
  test('parses the logger lines back and keeps the latest', () => {
    const seen: string[] = [];
    const ring = new LogRing((line) => seen.push(line), 3);
    const logger = createLogger({
      scope: 'node',
      sink: ring.sink,
      level: 'debug',
      now: () => 1_700_000_000_000,
    });
    const lines: unknown[] = [];
    ring.onLine((line) => lines.push(line));
    logger.child('babel').warn('Lost the socket', { path: '/run/x' });
    for (let i = 0; i < 4; i++) logger.debug(`line ${i}`);
    expect(seen).toHaveLength(5);
    expect(lines[0]).toEqual({
      at: 1_700_000_000_000,
      level: 'warn',
      scope: 'node/babel',
      message: 'Lost the socket path=/run/x',
    });
    expect(ring.tail(10).map((l) => l.message)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(ring.tail(1).map((l) => l.message)).toEqual(['line 3']);
  });

  test('keeps text it cannot parse, bounded to what the API takes', () => {
    const line = parseLogLine(`garbage ${'x'.repeat(9000)}`, 42);
    expect(LogLine.parse(line)).toMatchObject({ at: 42, level: 'info', scope: '' });
    expect(line.message).toHaveLength(8000);
  });
});

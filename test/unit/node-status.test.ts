/**
 * The node status: the schema `vifibnet status` validates with, and the text it prints.
 */
import { describe, expect, it } from 'vitest';
import { formatStatus, NodeStatusSchema, zeroCounters, type NodeStatus } from '../../app/core/node/status';

const NOW = 1_800_000_000_000;

function sample(): NodeStatus {
  return {
    node: {
      name: 'fd00000000000001-64',
      prefix: 'fd00:0:0:1::/64',
      address: 'fd00:0:0:1::1',
      networkPrefix: 'fd00::/48',
    },
    startedAt: NOW - 90_000,
    ready: true,
    tunnels: [
      {
        peer: 'fd00000000000002-64',
        prefix: 'fd00:0:0:2::/64',
        direction: 'outgoing',
        device: 'vfbc-0a1b2c3d',
        slot: 'explorer',
        state: 'up',
        routes: 3,
        rttMs: 12.345,
        since: NOW - 30_000,
      },
      {
        peer: 'fd00000000000003-64',
        prefix: 'fd00:0:0:3::/64',
        direction: 'incoming',
        device: 'vfbs-udp',
        slot: null,
        state: 'up',
        routes: 1,
        rttMs: null,
        since: NOW - 600_000,
      },
    ],
    peers: { known: 5, alive: 4, dead: 1 },
    registry: {
      url: 'http://198.18.0.1:8740',
      reachable: false,
      checkedAt: NOW - 5_000,
      lastError: 'connect ECONNREFUSED',
    },
    counters: { ...zeroCounters(), tunnelsOpened: 2, tunnelsUp: 1, probesSent: 4, probesAnswered: 3 },
  };
}

describe('node status', () => {
  it('is what the schema accepts, and the schema refuses a malformed tunnel', () => {
    expect(NodeStatusSchema.parse(JSON.parse(JSON.stringify(sample())))).toEqual(sample());
    const bad = sample();
    (bad.tunnels[0] as { state: string }).state = 'sleeping';
    expect(NodeStatusSchema.safeParse(bad).success).toBe(false);
    const negative = sample();
    negative.tunnels[1]!.routes = -1;
    expect(NodeStatusSchema.safeParse(negative).success).toBe(false);
  });

  it('prints the node, the registry, the peers, one aligned row per tunnel and the counters', () => {
    const lines = formatStatus(sample(), NOW).split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'node      fd00000000000001-64, up 90 s',
      'prefix    fd00:0:0:1::/64',
      'address   fd00:0:0:1::1',
      'registry  http://198.18.0.1:8740 unreachable (checked 5 s ago): connect ECONNREFUSED',
      'peers     5 known, 4 alive, 1 dead',
      'tunnels   2',
    ]);
    expect(lines.slice(6, 9)).toEqual([
      '  PEER                 DIRECTION     DEVICE         STATE  ROUTES  RTT      AGE',
      '  fd00000000000002-64  out/explorer  vfbc-0a1b2c3d  up     3       12.3 ms  30 s',
      '  fd00000000000003-64  in            vfbs-udp       up     1       -        10 min',
    ]);
    expect(lines[9]).toContain('tunnels 2 opened / 1 up / 0 failed / 0 drained; probes 3/4;');
  });

  it('says when the node is still starting, the registry was not tried, and there is no tunnel', () => {
    const s = { ...sample(), ready: false, tunnels: [] };
    s.registry = { ...s.registry, reachable: null, checkedAt: null, lastError: null };
    const text = formatStatus(s, NOW);
    expect(text).toContain('node      fd00000000000001-64 (starting), up 90 s');
    expect(text).toContain('registry  http://198.18.0.1:8740 not tried yet\n');
    expect(text).toContain('tunnels   0\ncounters');
  });
});

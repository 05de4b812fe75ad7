/**
 * The re-verification after a resume (resume-check.ts), with fakes: a tunnel manager that records
 * what it is asked and drops the tunnels it forgets or closes (the real manager's
 * `closeLostSession` is tested in node-tunnel-manager.test.ts), a scripted helper status, and
 * probes answered per peer. Nothing here waits: every probe answers or fails at once.
 */
import { describe, expect, test } from 'vitest';
import { createLogger } from '../../app/core/log';
import { peerName } from '../../app/core/node/addressing';
import {
  RESUME_PROBE_ATTEMPTS,
  RESUME_STEP,
  reverifyTunnels,
  type HelperClientTunnel,
  type ResumeCheckPorts,
} from '../../app/core/node/resume-check';
import type { TunnelStatus } from '../../app/core/node/status';

const prefix = (n: number): string => `fd00:0:0:${n}::/64`;
const device = (n: number): string => `vfbc${n}`;

function outgoing(n: number, state: TunnelStatus['state'] = 'up'): TunnelStatus {
  return {
    peer: peerName(prefix(n)),
    prefix: prefix(n),
    direction: 'outgoing',
    device: device(n),
    slot: 'explorer',
    state,
    routes: 1,
    rttMs: 10,
    since: 1,
  };
}

/** The fake manager: its tunnels, and every call it received in order. */
function fakeManager(initial: TunnelStatus[]) {
  let list = initial;
  const calls: string[] = [];
  const manager: ResumeCheckPorts['manager'] = {
    tunnels: () => list,
    forgetMissing: (present) => {
      list = list.filter((t) => t.direction === 'incoming' || present.has(t.device));
      calls.push(`forget-missing ${[...present].sort().join(',')}`);
    },
    markUp: (d) => void calls.push(`up ${d}`),
    markDown: (d) => void calls.push(`down ${d}`),
    closeLostSession: (d) => {
      const found = list.some((t) => t.device === d && t.state === 'up');
      list = list.filter((t) => t.device !== d);
      calls.push(`close ${d}`);
      return Promise.resolve(found);
    },
    tick: () => {
      calls.push('tick');
      return Promise.resolve();
    },
  };
  return { manager, calls };
}

/** Runs the check over `tunnels`, the helper reporting `clients`, peers answering per `answers`. */
async function run(
  tunnels: TunnelStatus[],
  clients: HelperClientTunnel[],
  answers: (prefix: string, attempt: number) => number | null,
) {
  const { manager, calls } = fakeManager(tunnels);
  const probes = new Map<string, number>();
  const lines: string[] = [];
  const result = await reverifyTunnels({
    manager,
    helperClients: () => Promise.resolve(clients),
    probe: (p) => {
      const attempt = (probes.get(p) ?? 0) + 1;
      probes.set(p, attempt);
      return Promise.resolve(answers(p, attempt));
    },
    logger: createLogger({ scope: 'test', level: 'info', sink: (line) => lines.push(line) }),
  });
  return { result, calls, probes, lines, manager };
}

const up = (n: number): HelperClientTunnel => ({ device: device(n), up: true });

describe('re-verification after resume', () => {
  test('closes at once the tunnel whose peer no longer answers, keeps the others, then ticks', async () => {
    const { result, calls, probes, manager } = await run(
      [outgoing(1), outgoing(2), outgoing(3)],
      [up(1), up(2), up(3)],
      (p) => (p === prefix(2) ? null : 5),
    );
    expect(result).toEqual({ probed: 3, lost: [device(2)], forgotten: [] });
    expect(calls.filter((c) => c.startsWith('close'))).toEqual([`close ${device(2)}`]);
    expect(calls.at(-1)).toBe('tick');
    expect(probes.get(prefix(2))).toBe(RESUME_PROBE_ATTEMPTS);
    expect(probes.get(prefix(1))).toBe(1);
    expect(manager.tunnels().map((t) => t.device)).toEqual([device(1), device(3)]);
  });

  test('a peer that answers a later probe keeps its tunnel', async () => {
    const { result, calls } = await run([outgoing(1), outgoing(2)], [up(1), up(2)], (p, attempt) =>
      p === prefix(2) && attempt < RESUME_PROBE_ATTEMPTS ? null : 5,
    );
    expect(result.lost).toEqual([]);
    expect(calls.some((c) => c.startsWith('close'))).toBe(false);
  });

  test('reconciles with the helper first: forgets what it no longer runs, marks sessions as it reports them', async () => {
    const { result, calls } = await run(
      [outgoing(1), outgoing(2), outgoing(3, 'opening')],
      [up(1), { device: device(3), up: false }],
      () => 5,
    );
    expect(calls.slice(0, 3)).toEqual([
      `forget-missing ${device(1)},${device(3)}`,
      `up ${device(1)}`,
      `down ${device(3)}`,
    ]);
    expect(result.forgotten).toEqual([device(2)]);
    // only the tunnel still up is probed; the opening one keeps its own deadline
    expect(result.probed).toBe(1);
  });

  test('closes nothing when no peer answers at all: the network is likely not back yet', async () => {
    const { result, calls, lines } = await run([outgoing(1), outgoing(2)], [up(1), up(2)], () => null);
    expect(result).toEqual({ probed: 2, lost: [], forgotten: [] });
    expect(calls.some((c) => c.startsWith('close'))).toBe(false);
    expect(calls.at(-1)).toBe('tick');
    expect(lines.some((l) => / warn .*No tunnel peer answered after resume/.test(l))).toBe(true);
  });

  test('is logged as one step with its duration', async () => {
    const { lines } = await run([outgoing(1), outgoing(2)], [up(1), up(2)], (p) =>
      p === prefix(1) ? 3 : null,
    );
    expect(lines.find((l) => l.includes(`${RESUME_STEP} …`) && l.includes('tunnels=2'))).toBeDefined();
    expect(lines.some((l) => new RegExp(`${RESUME_STEP} … done in \\d+ ms`).test(l))).toBe(true);
    expect(lines.some((l) => l.includes('Closing a tunnel whose session did not survive the sleep'))).toBe(
      true,
    );
  });
});

/**
 * Two nodes of a real network, end to end through the CLI: a registry (`vifibnet registry init`
 * + `serve`, in node A's namespace on the underlay), two namespaces joined by a veth pair, each
 * with its own helper, enrolled with `vifibnet node enroll` and run with `vifibnet node run`.
 * Proves that both get ready, one opens a tunnel to the other through bootstrap alone, each pings
 * the other's overlay address, `vifibnet status --json` shows the tunnel carrying a route, and
 * SIGTERM leaves no tunnel device, address or babeld behind.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NodeStatusSchema, type NodeStatus } from '../../app/core/node/status';
import { createNetns, createVethPair, linkNames, pollUntil, type Netns } from '../../app/cli/demo/netns';
import { runVifibnet, startVifibnet, type ManagedProcess } from '../../app/cli/demo/processes';
import { pingOnce } from '../../app/cli/demo/reachability';
import { startHelperProcess, type HelperProcess } from '../support/helper-process';

const READY = /node ready prefix=(\S+) address=(\S+)/;

interface Member {
  label: string;
  /** Certificate name, as `node enroll --json` printed it. */
  name: string;
  ns: Netns;
  underlay: string;
  stateDir: string;
  helper: HelperProcess;
  node: ManagedProcess;
  prefix: string;
  address: string;
}

/** `vifibnet node run` arguments of a member. */
function runArgs(m: Pick<Member, 'stateDir' | 'helper' | 'underlay'>): string[] {
  return [
    'node',
    'run',
    '--state-dir',
    m.stateDir,
    '--helper-socket',
    m.helper.socket,
    '--underlay-address',
    m.underlay,
    '--log-level',
    'debug',
  ];
}

async function status(m: Member): Promise<NodeStatus> {
  const out = await runVifibnet(m.ns, ['status', '--state-dir', m.stateDir, '--json'], 20_000);
  return NodeStatusSchema.parse(JSON.parse(out));
}

describe('two nodes: registry bootstrap, tunnel, overlay ping, status, clean stop', () => {
  let dir: string;
  const namespaces: Netns[] = [];
  const processes: ManagedProcess[] = [];
  const helpers: HelperProcess[] = [];
  const members: Member[] = [];
  const timings: Record<string, number> = {};
  let registry: ManagedProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vfb-node-pair-'));
    const [nsA, nsB] = await Promise.all([createNetns('vfbpa'), createNetns('vfbpb')]);
    namespaces.push(nsA, nsB);
    await createVethPair({ ns: nsA, address: '198.18.0.1/30' }, { ns: nsB, address: '198.18.0.2/30' });

    const registryDir = join(dir, 'registry');
    const init = JSON.parse(
      await runVifibnet(nsA, [
        'registry',
        'init',
        '--dir',
        registryDir,
        '--json',
        '--set',
        'helloInterval=0.25',
        '--set',
        'clientCount=2',
      ]),
    ) as { caFingerprint: string };
    const { tokens } = JSON.parse(
      await runVifibnet(nsA, ['registry', 'token', 'create', '--dir', registryDir, '--count', '2', '--json']),
    ) as { tokens: { token: string }[] };
    registry = startVifibnet(nsA, 'registry', [
      'registry',
      'serve',
      '--dir',
      registryDir,
      '--host',
      '198.18.0.1',
      '--port',
      '0',
    ]);
    processes.push(registry);
    const [, url] = await registry.waitForLine(/^listening on (\S+)$/, 30_000);

    const prepare = async (label: string, ns: Netns, underlay: string, token: string) => {
      const stateDir = join(dir, `state-${label}`);
      const enrolled = await runVifibnet(ns, [
        'node',
        'enroll',
        '--registry',
        url!,
        '--token',
        token,
        '--ca-fingerprint',
        init.caFingerprint,
        '--state-dir',
        stateDir,
        '--json',
      ]);
      const { name } = JSON.parse(enrolled) as { name: string };
      const helper = await startHelperProcess(ns, dir, `helper-${label}`);
      helpers.push(helper);
      return { label, name, ns, underlay, stateDir, helper };
    };
    const prepared = await Promise.all([
      prepare('a', nsA, '198.18.0.1', tokens[0]!.token),
      prepare('b', nsB, '198.18.0.2', tokens[1]!.token),
    ]);

    const t0 = Date.now();
    const started = prepared.map((p) => {
      const node = startVifibnet(p.ns, `node ${p.label}`, runArgs(p));
      processes.push(node);
      return { ...p, node };
    });
    for (const s of started) {
      const [, prefix, address] = await s.node.waitForLine(READY, 45_000);
      timings[`ready_${s.label}_ms`] = Date.now() - t0;
      members.push({ ...s, prefix: prefix!, address: address! });
    }
    timings.t0 = t0;
  });

  afterEach((context) => {
    if (context.task.result?.state !== 'fail') return;
    for (const p of processes)
      console.log(`--- ${p.label}\n${p.logText().split('\n').slice(-80).join('\n')}`);
    for (const h of helpers) console.log(`--- ${h.socket}\n${h.logText().split('\n').slice(-80).join('\n')}`);
  });

  afterAll(async () => {
    for (const p of processes) await p.stop(3_000);
    for (const h of helpers) {
      await h.client.dispose().catch(() => undefined);
      h.child.kill('SIGKILL');
    }
    for (const ns of namespaces) await ns.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
    const { t0: _t0, ...shown } = timings;
    console.log(`node-pair timings: ${JSON.stringify(shown)}`);
  });

  it('both nodes get ready with their enrolled prefix and its first address', () => {
    expect(members).toHaveLength(2);
    for (const m of members) {
      expect(m.prefix).toMatch(/^fd[0-9a-f:]+\/\d+$/);
      expect(m.address.startsWith(m.prefix.split('::/')[0]!)).toBe(true);
    }
    expect(members[0]!.prefix).not.toBe(members[1]!.prefix);
  });

  it('a tunnel opened through bootstrap carries pings both ways; a simultaneous duplicate is drained', async () => {
    const [a, b] = members as [Member, Member];
    await pollUntil('A to ping B over the overlay', () => pingOnce(a.ns, b.address), { timeoutMs: 40_000 });
    timings.first_ping_a_to_b_ms = Date.now() - timings.t0!;
    await pollUntil('B to ping A over the overlay', () => pingOnce(b.ns, a.address), { timeoutMs: 20_000 });
    timings.first_ping_b_to_a_ms = Date.now() - timings.t0!;

    // Both nodes may bootstrap each other in the same instant and both open a tunnel; both ends
    // then keep the one opened by the smaller prefix (selection/hygiene.ts) and drain the other.
    const [sa, sb] = await pollUntil(
      'exactly one tunnel between the two nodes, seen from both ends',
      async () => {
        const both = await Promise.all([status(a), status(b)]);
        const all = both.flatMap((s) => s.tunnels);
        return all.length === 2 && all.filter((t) => t.direction === 'outgoing').length === 1 && both;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    timings.settled_ms = Date.now() - timings.t0!;
    const [opener, other] = sa.tunnels[0]!.direction === 'outgoing' ? [a, b] : [b, a];
    const [out, inc] = opener === a ? [sa.tunnels[0]!, sb.tunnels[0]!] : [sb.tunnels[0]!, sa.tunnels[0]!];
    expect(out).toMatchObject({ prefix: other.prefix, slot: 'explorer', state: 'up', direction: 'outgoing' });
    expect(out.device).toMatch(/^vfbc-[0-9a-f]{8}$/);
    expect(await linkNames(opener.ns)).toContain(out.device);
    expect(inc).toMatchObject({
      prefix: opener.prefix,
      direction: 'incoming',
      device: 'vfbs-udp',
      slot: null,
    });
    const duplicates = sa.counters.tunnelsDrained + sb.counters.tunnelsDrained;
    expect(sa.counters.tunnelsOpened + sb.counters.tunnelsOpened).toBe(1 + duplicates);
    for (const s of [sa, sb]) {
      expect(s.counters.bootstraps).toBeGreaterThanOrEqual(1);
      expect(s.counters.tunnelsFailed).toBe(0);
    }
  });

  it('status --json shows the tunnel on both ends with a route; the ends exchanged peers over it', async () => {
    const [a, b] = members as [Member, Member];
    const [sa, sb] = await pollUntil(
      'both ends to count a route through the tunnel',
      async () => {
        const both = await Promise.all([status(a), status(b)]);
        // (a duplicate opened while babel was still converging is being drained: wait it out)
        const routed = both.every(
          (s) => s.tunnels.length === 1 && s.tunnels[0]!.state === 'up' && s.tunnels[0]!.routes >= 1,
        );
        // each end asked the other for records and tunnel peers over the overlay
        const exchanged = both.every((s) => s.counters.exchangeAnswers >= 2);
        return routed && exchanged && both;
      },
      { timeoutMs: 25_000, intervalMs: 250 },
    );
    for (const [s, peer] of [
      [sa, b],
      [sb, a],
    ] as const) {
      expect(s.ready).toBe(true);
      expect(s.registry.reachable).toBe(true);
      expect(s.tunnels[0]).toMatchObject({ prefix: peer.prefix, peer: peer.name, state: 'up' });
      expect(s.tunnels[0]!.routes).toBeGreaterThanOrEqual(1);
      expect(s.peers).toEqual({ known: 1, alive: 1, dead: 0 });
    }
    const text = await runVifibnet(a.ns, ['status', '--state-dir', a.stateDir]);
    expect(text).toContain(`prefix    ${a.prefix}`);
    expect(text).toMatch(new RegExp(`^  ${b.name} +(out/explorer|in) +vfb\\S+ +up +1 `, 'm'));
  });

  it('a node killed with SIGKILL restarts from its peer DB while the registry is down', async () => {
    const [sa] = await Promise.all(members.map(status));
    const index = sa!.tunnels[0]!.direction === 'outgoing' ? 0 : 1;
    const crashed = members[index]!;
    const other = members[1 - index]!;
    await crashed.node.kill();
    // the tunnel goes with the crash, and the registry is not there to help
    const [client] = (await crashed.helper.client.call('status', {})).openvpn.filter(
      (o) => o.role === 'client',
    );
    await crashed.helper.client.call('openvpn.disconnect', { device: client!.device });
    await registry.stop(5_000);

    const t0 = Date.now();
    const node = startVifibnet(crashed.ns, `node ${crashed.label} (restarted)`, runArgs(crashed));
    processes.push(node);
    await node.waitForLine(READY, 45_000);
    timings.restart_ready_ms = Date.now() - t0;
    const again: Member = { ...crashed, node };
    members[index] = again;
    await pollUntil(
      'the restarted node to ping the other over the overlay',
      () => pingOnce(crashed.ns, other.address),
      {
        timeoutMs: 30_000,
      },
    );
    timings.restart_ping_ms = Date.now() - t0;
    const restarted = await status(again);
    expect(restarted.registry.reachable).toBe(false);
    expect(restarted.peers.known).toBe(1);
    expect(restarted.tunnels.some((t) => t.prefix === other.prefix && t.state === 'up')).toBe(true);
  });

  it('SIGTERM drains and stops: exit 0, no tunnel device, no babeld, no node address', async () => {
    const t0 = Date.now();
    const exits = await Promise.all(members.map((m) => m.node.stop(20_000)));
    timings.stop_ms = Date.now() - t0;
    for (const how of exits) expect(how).toEqual({ code: 0, signal: null });
    for (const m of members) {
      expect((await linkNames(m.ns)).filter((l) => l.startsWith('vfb'))).toEqual([]);
      expect(await m.ns.ip('-6', 'addr', 'show', 'dev', 'lo')).not.toContain(m.address);
      const snapshot = await m.helper.client.call('status', {});
      expect(snapshot).toMatchObject({ network: null, openvpn: [], babel: null });
      expect(m.node.logText()).toMatch(/Closing tunnels … done in \d+ ms/);
    }
  });
});

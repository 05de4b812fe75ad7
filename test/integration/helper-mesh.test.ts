/**
 * Two nodes, each a network namespace with its own real helper process, joined by a veth pair
 * (underlay in 198.18.0.0/15). Node A listens (tap server), node B connects; both run babeld.
 * Proves over the real programs: the babel neighbour appears in the dump read through the
 * exposed read-only socket, each side pings the other's prefix address over the tunnel, stopping
 * the tunnel removes the route, a SIGKILLed OpenVPN is restarted and reported, a helper killed
 * with SIGKILL is cleaned up after by its successor, and shutdown leaves nothing behind.
 */
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createCa,
  createCsr,
  generateNodeKey,
  issueCertificate,
  type CaBundle,
} from '../../app/registry/pki';
import { DRAIN_METRIC } from '../../helper/config/babeld';
import { GUARD_TABLE } from '../../helper/config/nftables';
import { NFT_PATH } from '../../helper/exec';
import type { HelperEventT } from '../../helper/protocol';
import { startHelperProcess, type HelperProcess } from '../support/helper-process';
import { runPeerClient } from '../support/server-peer-client';
import {
  createNetns,
  createVethPair,
  linkNames,
  pollUntil,
  randomSuffix,
  type Netns,
} from '../../app/cli/demo/netns';

const PING = '/usr/bin/ping';
const PORT = 1194;
const HELLO_S = 0.25;

interface Node {
  ns: Netns;
  helper: HelperProcess;
  name: string;
  nodePrefix: string;
  address: string;
  underlay: string;
}

/** Sends `dump` on a babeld local socket and returns the lines of the answer. */
/**
 * Packets the listener's ICMP guard dropped in `ns` (sum of its rule counters), or null when
 * the helper's table is absent.
 */
async function guardDrops(ns: Netns): Promise<number | null> {
  const { code, stdout } = await ns.exec(NFT_PATH, ['list', 'table', 'inet', GUARD_TABLE]);
  if (code !== 0) return null;
  return [...stdout.matchAll(/counter packets (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

function babelDump(path: string, command = 'dump'): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let buf = '';
    let sent = false;
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer to ${command} on ${path}`));
    }, 3_000);
    s.setEncoding('utf8');
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      const statuses = lines.filter((l) => l === 'ok' || l === 'no' || l.startsWith('bad'));
      if (!sent && statuses.length >= 1) {
        sent = true;
        buf = '';
        s.write(`${command}\n`);
      } else if (sent && statuses.length >= 1) {
        clearTimeout(timer);
        s.destroy();
        resolve(lines.filter((l) => l !== ''));
      }
    });
  });
}

/** True when `pid` is a live process (not gone, not a zombie waiting for a reaper). */
function isLive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function pingOnce(from: Netns, to: string): Promise<boolean> {
  const r = await from.exec(PING, ['-6', '-c1', '-W1', to]);
  return r.code === 0;
}

async function routeTo(ns: Netns, prefix: string): Promise<string> {
  return (await ns.ip('-6', 'route', 'show', prefix)).trim();
}

function randomNetwork(): string {
  // fdXX:XXXX:XXXX::/48, random per test run, canonical (no leading zero: babeld prints none)
  const h = randomSuffix(5);
  const group = (hex: string): string => parseInt(hex, 16).toString(16);
  return `fd${h.slice(0, 2)}:${group(h.slice(2, 6))}:${group(h.slice(6, 10))}`;
}

async function nodeCredentials(ca: CaBundle, name: string): Promise<{ cert: string; key: string }> {
  const key = await generateNodeKey();
  const csr = await createCsr(key, name);
  return {
    cert: await issueCertificate(ca, csr, { commonName: name, validDays: 1 }),
    key: key.privateKeyPem,
  };
}

/** A documentation prefix, only ever routed to `lo` inside the test's namespace. */
const LEFTOVER_ROUTE = '2001:db8:ffff::/64';

describe('helper mesh over two namespaces', () => {
  let dir: string;
  const namespaces: Netns[] = [];
  const helpers: HelperProcess[] = [];
  let a: Node;
  let b: Node;
  let net: string;
  let clientDev: string;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vfb-mesh-'));
    const nsA = await createNetns('vfbma');
    namespaces.push(nsA);
    const nsB = await createNetns('vfbmb');
    namespaces.push(nsB);
    await createVethPair({ ns: nsA, address: '198.18.0.1/30' }, { ns: nsB, address: '198.18.0.2/30' });
    net = randomNetwork();
    const suffix = randomSuffix(2);
    clientDev = `vfbc-${suffix}`;
    const [helperA, helperB] = await Promise.all([
      startHelperProcess(nsA, dir, 'a'),
      startHelperProcess(nsB, dir, 'b'),
    ]);
    helpers.push(helperA, helperB);
    a = {
      ns: nsA,
      helper: helperA,
      name: `node-a-${suffix}`,
      nodePrefix: `${net}:1::/64`,
      address: `${net}:1::1`,
      underlay: '198.18.0.1',
    };
    b = {
      ns: nsB,
      helper: helperB,
      name: `node-b-${suffix}`,
      nodePrefix: `${net}:2::/64`,
      address: `${net}:2::1`,
      underlay: '198.18.0.2',
    };
  });

  afterEach((context) => {
    if (context.task.result?.state !== 'fail') return;
    for (const h of helpers)
      console.log(`--- log of helper ${h.socket}\n${h.logText().split('\n').slice(-60).join('\n')}`);
  });

  afterAll(async () => {
    for (const h of helpers) {
      await h.client.dispose().catch(() => undefined);
      h.child.kill('SIGKILL');
    }
    for (const ns of namespaces) await ns.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
    console.log(`helper-mesh timings: ${JSON.stringify(timings)}`);
  });

  /** Opens B's tunnel to A again and has B's babeld run on it (after a test closed it). */
  async function reconnectB(): Promise<void> {
    await b.helper.client.call('openvpn.connect', {
      device: clientDev,
      remote: a.underlay,
      port: PORT,
      protocol: 'udp',
      peerName: a.name,
    });
    await b.helper.client.call('babel.configure', {
      helloInterval: HELLO_S,
      interfaces: [{ name: clientDev, type: 'tunnel' }],
      redistribute: b.nodePrefix,
    });
  }

  it('sets up both nodes, converges, and pings each prefix over the tunnel', async () => {
    const ca = await createCa({ commonName: `test-ca-${randomSuffix()}`, validDays: 1 });
    const t0 = Date.now();
    for (const n of [a, b]) {
      const c = n.helper.client;
      await c.call('network.configure', {
        networkPrefix: `${net}::/48`,
        nodePrefix: n.nodePrefix,
        address: n.address,
      });
      const creds = await nodeCredentials(ca, n.name);
      const info = await c.call('credentials.install', { ca: ca.certPem, ...creds });
      expect(info.subject).toContain(n.name);
    }
    await a.helper.client.call('openvpn.listen', { protocol: 'udp', port: PORT, maxClients: 4 });
    await b.helper.client.call('openvpn.connect', {
      device: clientDev,
      remote: a.underlay,
      port: PORT,
      protocol: 'udp',
      peerName: a.name,
    });
    await a.helper.client.call('babel.configure', {
      helloInterval: HELLO_S,
      interfaces: [{ name: 'vfbs-udp', type: 'tunnel' }],
      redistribute: a.nodePrefix,
    });
    await b.helper.client.call('babel.configure', {
      helloInterval: HELLO_S,
      interfaces: [{ name: clientDev, type: 'tunnel' }],
      redistribute: b.nodePrefix,
    });
    timings.setupCallsMs = Date.now() - t0;

    await pollUntil('B to ping A over the tunnel', () => pingOnce(b.ns, a.address), { timeoutMs: 20_000 });
    timings.firstPingBtoAMs = Date.now() - t0;
    await pollUntil('A to ping B over the tunnel', () => pingOnce(a.ns, b.address), { timeoutMs: 10_000 });
    timings.firstPingAtoBMs = Date.now() - t0;

    const snapA = await a.helper.client.call('status', {});
    expect(snapA.babelSocket).toBeTruthy();
    expect(snapA.openvpn[0]).toMatchObject({ device: 'vfbs-udp', role: 'listener', up: true });
    const snapB = await b.helper.client.call('status', {});
    expect(snapB.openvpn[0]).toMatchObject({ device: clientDev, role: 'client', peerName: a.name });
    await pollUntil(
      'B to report its tunnel up',
      async () => (await b.helper.client.call('status', {})).openvpn[0]?.up,
      { timeoutMs: 5_000 },
    );
    await pollUntil(
      'the tunnel.up event',
      () => b.helper.events.some((e) => e.event === 'tunnel.up' && e.data.device === clientDev),
      { timeoutMs: 5_000 },
    );

    // the neighbour, read as a client through the read-only socket
    const dumpA = await babelDump(snapA.babelSocket!);
    expect(dumpA.some((l) => /^add neighbour .* if vfbs-udp /.test(l))).toBe(true);
    expect(dumpA.some((l) => l.includes(`prefix ${b.nodePrefix}`) && l.includes('installed yes'))).toBe(true);
    const dumpB = await babelDump(snapB.babelSocket!);
    expect(dumpB.some((l) => new RegExp(`^add neighbour .* if ${clientDev} `).test(l))).toBe(true);
    // …and it is read-only: configuration commands never reach babeld
    const refused = await babelDump(snapB.babelSocket!, `interface ${clientDev} rxcost 1000`);
    expect(refused).toContain('bad');
  });

  it('the read-only babeld socket checks kernel credentials, not only file modes', async () => {
    const sock = (await a.helper.client.call('status', {})).babelSocket!;
    // open the path to everybody so that only the credential check can refuse uid 65534
    await chmod(dir, 0o755);
    await chmod(sock, 0o666);
    const nobody = await runPeerClient({ dir, socketPath: sock, uid: 65534, gid: 65534 });
    expect(nobody.stderr).toBe('');
    expect(nobody.messages).toEqual([]);
    // (a relayed banner would not even parse as JSON there); root, served, reads the dump
    expect((await babelDump(sock)).some((l) => l.startsWith('add neighbour'))).toBe(true);
  });

  it('drains a tunnel at run time: both ends pay more over it, no neighbour is flushed, no ping lost', async () => {
    const sockA = (await a.helper.client.call('status', {})).babelSocket!;
    const sockB = (await b.helper.client.call('status', {})).babelSocket!;
    /** The metric of the live route to `prefix` in a dump (retracted routes at 65535 ignored). */
    const metricTo = async (sock: string, prefix: string): Promise<number | undefined> => {
      for (const l of await babelDump(sock)) {
        const m = / prefix (\S+) .*installed yes .* metric (\d+) /.exec(l);
        if (l.startsWith('add route') && m?.[1] === prefix && Number(m[2]) < 65535) return Number(m[2]);
      }
      return undefined;
    };
    const beforeA = await pollUntil("A's route to B", () => metricTo(sockA, b.nodePrefix), {
      timeoutMs: 5_000,
    });
    const beforeB = await pollUntil("B's route to A", () => metricTo(sockB, a.nodePrefix), {
      timeoutMs: 5_000,
    });
    expect(beforeA).toBeLessThan(DRAIN_METRIC);
    expect(beforeB).toBeLessThan(DRAIN_METRIC);
    // a 50 ms ping stream B→A across the tunnel (its only path) runs through the drain
    const stream = b.ns.exec(
      PING,
      ['-6', '-n', '-q', '-i', '0.05', '-c', '100', '-W', '1', a.address],
      20_000,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const t0 = Date.now();
    const r = await b.helper.client.call('babel.drain', { interface: clientDev });
    expect(r.metric).toBe(DRAIN_METRIC);
    // A's route to B's prefix (B's own redistributed prefix, announced through B's out filter)…
    await pollUntil(
      "A's route to B's prefix to cost the drain metric more",
      async () => ((await metricTo(sockA, b.nodePrefix)) ?? 0) >= beforeA + DRAIN_METRIC,
      { timeoutMs: 5_000 },
    );
    // …and B's route to A over the drained tunnel (B's in filter): a two-sided drain
    await pollUntil(
      "B's route to A's prefix to cost the drain metric more",
      async () => ((await metricTo(sockB, a.nodePrefix)) ?? 0) >= beforeB + DRAIN_METRIC,
      { timeoutMs: 5_000 },
    );
    timings.drainBothEndsMs = Date.now() - t0;
    const pinged = await stream;
    const m = /(\d+) packets transmitted, (\d+) received/.exec(pinged.stdout);
    expect(m, pinged.stdout).toBeTruthy();
    expect(Number(m![2])).toBe(Number(m![1]));
    // no flush: both neighbours have heard every hello of the last 16 (reach ffff)
    for (const [sock, dev] of [
      [sockA, 'vfbs-udp'],
      [sockB, clientDev],
    ] as const) {
      const n = (await babelDump(sock)).filter(
        (l) => l.startsWith('add neighbour') && l.includes(` if ${dev} `),
      );
      expect(n, dev).toHaveLength(1);
      expect(n[0]).toMatch(/ reach ffff /);
    }
    expect((await b.helper.client.call('status', {})).babel?.drained).toEqual([clientDev]);
    // a drain is final: the same call again is a no-op
    expect((await b.helper.client.call('babel.drain', { interface: clientDev })).metric).toBe(DRAIN_METRIC);
  });

  it('restarts an OpenVPN killed with SIGKILL and reports it', async () => {
    const before = (await b.helper.client.call('status', {})).openvpn.find((o) => o.device === clientDev)!;
    expect(before.pid).toBeGreaterThan(0);
    const seen = b.helper.events.length;
    const t0 = Date.now();
    process.kill(before.pid!, 'SIGKILL');
    const newer = (): HelperEventT[] => b.helper.events.slice(seen);
    const exited = await pollUntil(
      'child.exited',
      () => newer().find((e) => e.event === 'child.exited' && e.data.name === clientDev),
      { timeoutMs: 5_000 },
    );
    expect(exited.data).toMatchObject({ program: 'openvpn', signal: 'SIGKILL' });
    const restarted = await pollUntil(
      'child.restarted',
      () =>
        newer().find(
          (e): e is Extract<HelperEventT, { event: 'child.restarted' }> =>
            e.event === 'child.restarted' && e.data.name === clientDev,
        ),
      { timeoutMs: 5_000 },
    );
    timings.openvpnRestartMs = Date.now() - t0;
    expect(restarted.data.pid).not.toBe(before.pid);
    await pollUntil('B to ping A after the restart', () => pingOnce(b.ns, a.address), { timeoutMs: 20_000 });
    timings.pingAfterOpenvpnKillMs = Date.now() - t0;
    const after = (await b.helper.client.call('status', {})).openvpn.find((o) => o.device === clientDev)!;
    expect(after.restarts).toBe(1);
  });

  it('restarts a babeld killed with SIGKILL; the read-only socket serves the new one', async () => {
    const before = (await a.helper.client.call('status', {})).babel!;
    const seen = a.helper.events.length;
    // stands for a route the killed babeld installed and no successor would ever remove
    await a.ns.ip('-6', 'route', 'add', LEFTOVER_ROUTE, 'dev', 'lo', 'proto', 'babel');
    const t0 = Date.now();
    process.kill(before.pid!, 'SIGKILL');
    await pollUntil(
      'babeld restarted',
      () =>
        a.helper.events.slice(seen).find((e) => e.event === 'child.restarted' && e.data.program === 'babeld'),
      { timeoutMs: 5_000 },
    );
    const sock = (await a.helper.client.call('status', {})).babelSocket!;
    await pollUntil(
      'the new babeld to see B again',
      async () => {
        const dump = await babelDump(sock);
        if (dump.some((l) => /^add neighbour .* if vfbs-udp reach f/.test(l))) return true;
        throw new Error(
          `dump:\n${dump.join('\n')}\nlog:\n${a.helper.logText().split('\n').slice(-30).join('\n')}`,
        );
      },
      { timeoutMs: 10_000 },
    );
    await pollUntil('A to ping B after the babeld restart', () => pingOnce(a.ns, b.address), {
      timeoutMs: 10_000,
    });
    timings.pingAfterBabeldKillMs = Date.now() - t0;
    // a killed babeld leaves its kernel routes; the helper flushed them before the restart
    expect(await routeTo(a.ns, LEFTOVER_ROUTE)).toBe('');
    expect(a.helper.events.slice(seen)).toContainEqual(
      expect.objectContaining({
        event: 'child.exited',
        data: expect.objectContaining({ program: 'babeld', signal: 'SIGKILL' }) as unknown,
      }),
    );
  });

  it('removes the route to the other prefix when the tunnel is stopped', async () => {
    expect(await routeTo(b.ns, a.nodePrefix)).toContain(clientDev);
    const dropsBefore = (await guardDrops(a.ns)) ?? 0;
    const t0 = Date.now();
    expect(await b.helper.client.call('openvpn.disconnect', { device: clientDev })).toEqual({
      stopped: true,
    });
    await pollUntil('B to lose its route to A', async () => (await routeTo(b.ns, a.nodePrefix)) === '', {
      timeoutMs: 5_000,
    });
    timings.routeGoneOnClientMs = Date.now() - t0;
    await pollUntil('A to lose its route to B', async () => (await routeTo(a.ns, b.nodePrefix)) === '', {
      timeoutMs: 15_000,
    });
    timings.routeGoneOnListenerMs = Date.now() - t0;
    // A's listener keeps B's session 5 s after B's exit notification and floods babel's hellos to
    // B's closed port; B's kernel answers port-unreachable, which the ICMP guard keeps from OpenVPN
    expect(((await guardDrops(a.ns)) ?? 0) - dropsBefore).toBeGreaterThan(0);
    expect(await linkNames(b.ns)).not.toContain(clientDev);
    expect(b.helper.events).toContainEqual({ event: 'tunnel.down', data: { device: clientDev } });
    // the unreachable route still covers the network: no leak to a default route
    expect(await routeTo(b.ns, `${net}::/48`)).toContain('unreachable');
  });

  it('applies a new hello interval by restarting babeld with it; the neighbour and the route come back', async () => {
    await reconnectB();
    await pollUntil('A to ping B', () => pingOnce(a.ns, b.address), { timeoutMs: 20_000 });
    const config = (await a.helper.client.call('status', {})).babel!.config;
    const t0 = Date.now();
    expect(await a.helper.client.call('babel.configure', { ...config, helloInterval: 0.4 })).toEqual({
      restarted: true,
    });
    expect((await a.helper.client.call('status', {})).babel!.config.helloInterval).toBe(0.4);
    expect(readFileSync(join(a.helper.stateDir, 'run', 'babeld.conf'), 'utf8')).toMatch(
      /hello-interval 0\.4\b/,
    );
    await pollUntil('A to ping B again', () => pingOnce(a.ns, b.address), { timeoutMs: 10_000 });
    timings.pingAfterHelloChangeMs = Date.now() - t0;
    expect(await a.helper.client.call('babel.configure', config)).toEqual({ restarted: true });
    await pollUntil('A to ping B again', () => pingOnce(a.ns, b.address), { timeoutMs: 10_000 });
    // leave B as the next test expects it: no tunnel
    await b.helper.client.call('openvpn.disconnect', { device: clientDev });
  });

  it('cleans up after a helper that was killed with SIGKILL', async () => {
    // reconnect so B has a child process and a device to leave behind
    await reconnectB();
    await pollUntil('B to ping A', () => pingOnce(b.ns, a.address), { timeoutMs: 20_000 });
    const snap = await b.helper.client.call('status', {});
    const orphans = [snap.openvpn[0]!.pid!, snap.babel!.pid!];
    await b.helper.client.dispose();
    b.helper.child.kill('SIGKILL');
    await b.helper.exited;
    // the children outlive a SIGKILLed helper…
    for (const pid of orphans) expect(isLive(pid)).toBe(true);
    const t0 = Date.now();
    const successor = await startHelperProcess(b.ns, dir, 'b');
    helpers.push(successor);
    timings.restartCleanupMs = Date.now() - t0;
    // …and the next helper removes them, the device, the address and the route before serving
    for (const pid of orphans) expect(isLive(pid)).toBe(false);
    expect(await linkNames(b.ns)).not.toContain(clientDev);
    expect(await b.ns.ip('-6', 'addr', 'show', 'dev', 'lo')).not.toContain(b.address);
    expect(await routeTo(b.ns, `${net}::/48`)).toBe('');
    const fresh = await successor.client.call('status', {});
    expect(fresh).toMatchObject({ network: null, devices: [], openvpn: [], babel: null });
    b = { ...b, helper: successor };
  });

  it('shutdown leaves no process, device, address or route', async () => {
    // give B something to undo again
    await b.helper.client.call('network.configure', {
      networkPrefix: `${net}::/48`,
      nodePrefix: b.nodePrefix,
      address: b.address,
    });
    for (const n of [a, b]) {
      expect(await n.helper.client.call('shutdown', {})).toEqual({ stopping: true });
      expect(await n.helper.exited).toBe(0);
    }
    for (const n of [a, b]) {
      expect(await n.ns.pids()).toEqual([]);
      expect((await linkNames(n.ns)).filter((l) => l.startsWith('vfb'))).toEqual([]);
      expect(await n.ns.ip('-6', 'addr', 'show', 'dev', 'lo')).not.toContain(n.address);
      expect(await n.ns.ip('-6', 'route', 'show')).not.toContain(net);
      expect(await guardDrops(n.ns)).toBeNull();
    }
    const left = await readdir(dir);
    expect(left.filter((f) => f.endsWith('.sock'))).toEqual([]);
  });
});

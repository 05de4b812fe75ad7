import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pollUntil } from '../../app/cli/demo/netns';
import { RecoveryDistribution, RecoveryEvent, RecoveryHistory, type RecoveryEventT } from '../../app/ipc';
import { BabelLocalClient } from '../../app/core/babel/local-client';
import { createLogger } from '../../app/core/log';
import { RecoveryStore } from '../../app/core/recovery/store';
import { RecoveryTracker } from '../../app/core/recovery/tracker';

/**
 * The recovery tracker on node A of a real babel triangle: three network namespaces A, B, C this
 * test creates, a veth between each pair, babeld 1.12 on each (`type tunnel hello-interval 0.2`,
 * as the product runs it on tunnels), A's babeld read through its read-only socket. Links are
 * cut silently with nftables (every packet dropped, the interfaces stay up), which is how a dead
 * tunnel looks to babel. Real clock; the test waits for conditions, never for a fixed time.
 */
const IP = '/usr/sbin/ip';
const BABELD = '/usr/sbin/babeld';
const NFT = '/usr/sbin/nft';
const suffix = randomBytes(3).toString('hex');

type Name = 'a' | 'b' | 'c';
interface Node {
  ns: string;
  prefix: string;
  links: string[];
  dir: string;
  babeld: ChildProcess | null;
}
const nodes: Record<Name, Node> = {
  a: { ns: `vfbt-ra-${suffix}`, prefix: 'fd42:7e57:1:a::/64', links: [], dir: '', babeld: null },
  b: { ns: `vfbt-rb-${suffix}`, prefix: 'fd42:7e57:1:b::/64', links: [], dir: '', babeld: null },
  c: { ns: `vfbt-rc-${suffix}`, prefix: 'fd42:7e57:1:c::/64', links: [], dir: '', babeld: null },
};
const PEERS = new Map([
  [nodes.b.prefix, 'node-b'],
  [nodes.c.prefix, 'node-c'],
]);
/** The interface on `from`'s side of the link to `to`, e.g. `rab1a2b3c`. */
const ifname = (from: Name, to: Name): string => `r${from}${to}${suffix}`;

let dir: string;
let client: BabelLocalClient;
let store: RecoveryStore;
let tracker: RecoveryTracker;
const events: RecoveryEventT[] = [];
const logLines: string[] = [];

const ip = (...args: string[]): string => execFileSync(IP, args, { encoding: 'utf8' });

/** Drops every packet on `from`'s side of its link to `to`, or lets them through again. */
function cut(from: Name, to: Name, on: boolean): void {
  const ns = nodes[from].ns;
  const table = `cut_${to}`;
  const rules = `table inet ${table} {
    chain in { type filter hook input priority 0; iifname "${ifname(from, to)}" drop; }
    chain out { type filter hook output priority 0; oifname "${ifname(from, to)}" drop; }
  }`;
  if (on) execFileSync(IP, ['netns', 'exec', ns, NFT, '-f', '-'], { input: rules });
  else execFileSync(IP, ['netns', 'exec', ns, NFT, 'delete', 'table', 'inet', table]);
}

/** {@link pollUntil} with this file's default deadline. */
const until = <T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> =>
  pollUntil(what, probe, { timeoutMs });

const find = (kind: RecoveryEventT['kind'], peer: string | null, after = 0): RecoveryEventT | undefined =>
  events.find((e) => e.kind === kind && e.peer === peer && e.at >= after);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vfb-recovery-babeld-'));
  for (const node of Object.values(nodes)) {
    node.dir = mkdtempSync(join(dir, 'node-'));
    ip('netns', 'add', node.ns);
    ip('netns', 'exec', node.ns, '/usr/sbin/sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0');
    ip('-n', node.ns, 'link', 'set', 'lo', 'up');
    ip('-n', node.ns, 'addr', 'add', node.prefix.replace('::/64', '::1/64'), 'dev', 'lo');
  }
  for (const [x, y] of [
    ['a', 'b'],
    ['a', 'c'],
    ['b', 'c'],
  ] as [Name, Name][]) {
    ip(
      'link',
      'add',
      ifname(x, y),
      'netns',
      nodes[x].ns,
      'type',
      'veth',
      'peer',
      'name',
      ifname(y, x),
      'netns',
      nodes[y].ns,
    );
    ip('-n', nodes[x].ns, 'link', 'set', ifname(x, y), 'up');
    ip('-n', nodes[y].ns, 'link', 'set', ifname(y, x), 'up');
    nodes[x].links.push(ifname(x, y));
    nodes[y].links.push(ifname(y, x));
  }
  for (const node of Object.values(nodes)) {
    node.babeld = spawn(
      IP,
      [
        ...['netns', 'exec', node.ns, BABELD],
        ...['-I', join(node.dir, 'pid'), '-S', join(node.dir, 'state'), '-g', join(node.dir, 'ro.sock')],
        ...node.links.flatMap((link) => ['-C', `interface ${link} type tunnel hello-interval 0.2`]),
        ...['-C', `redistribute ip ${node.prefix} eq 64 allow`, '-C', 'redistribute local deny'],
      ],
      { stdio: 'ignore' },
    );
  }
  const logger = createLogger({ scope: 'recovery', level: 'debug', sink: (l) => logLines.push(l) });
  client = new BabelLocalClient(join(nodes.a.dir, 'ro.sock'), {
    logger,
    reconnectDelayMs: { min: 50, max: 500 },
  });
  store = await RecoveryStore.open(join(dir, 'recovery.sqlite'), { logger });
  tracker = new RecoveryTracker({
    table: client.table,
    store,
    peerOf: (prefix) => PEERS.get(prefix) ?? null,
    logger,
  });
  tracker.onDidRecord((e) => events.push(RecoveryEvent.parse(e)));
});

afterAll(async () => {
  tracker?.dispose();
  store?.close();
  client?.dispose();
  for (const node of Object.values(nodes)) {
    const child = node.babeld;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    execFileSync(IP, ['netns', 'del', node.ns], { stdio: 'ignore' });
  }
  rmSync(dir, { recursive: true, force: true });
});

test('silent link cuts on a babel triangle: a detour, then an outage, each recorded and recovered', async () => {
  const started = Date.now();
  await until(
    'routes to B and C',
    () => client.table.selectedRoute(nodes.b.prefix) && client.table.selectedRoute(nodes.c.prefix),
  );
  await until(
    'B reached directly',
    () => client.table.selectedRoute(nodes.b.prefix)?.ifname === ifname('a', 'b'),
  );
  await until('both destinations up', () => {
    const last = tracker.history({ from: started }).reachability.at(-1);
    return last?.reachable === 2 && last.total === 2;
  });

  // 1. A–B dies: babel retracts the route through it and finds the way through C.
  const firstCut = Date.now();
  cut('b', 'a', true);
  const lost = await until('B’s tunnel to be lost', () => find('tunnel-lost', 'node-b', firstCut));
  expect(lost.detail).toContain(`tunnel ${ifname('a', 'b')} to`);
  await until(
    'B back through C',
    () => client.table.selectedRoute(nodes.b.prefix)?.ifname === ifname('a', 'c'),
  );
  const back = await until(
    'B recovered or switched',
    () => find('recovered', 'node-b', firstCut) ?? find('route-switched', 'node-b', firstCut),
  );
  expect(back.detail).toContain(`on ${ifname('a', 'c')}`);
  if (back.kind === 'recovered') expect(back.outageMs).toBeLessThan(5_000);

  // 2. A–C dies too: no path to B or C is left.
  const secondCut = Date.now();
  cut('c', 'a', true);
  const bDown = await until('B unreachable', () => find('outage-started', 'node-b', secondCut));
  const cDown = await until('C unreachable', () => find('outage-started', 'node-c', secondCut));
  expect(cDown.detail).toBe(bDown.detail);
  expect(cDown.detail).toMatch(new RegExp(`^tunnel ${ifname('a', 'c')} to fe80::[0-9a-f:]+ lost$`));
  const meshDown = await until('the mesh outage', () => find('outage-started', null, secondCut));
  expect(meshDown.at).toBe(Math.min(bDown.at, cDown.at));

  // 3. Both links heal.
  const healed = Date.now();
  cut('b', 'a', false);
  cut('c', 'a', false);
  const meshUp = await until('the mesh to recover', () => find('recovered', null, healed), 20_000);
  const cUp = find('recovered', 'node-c', healed)!;
  expect(cUp.outageMs).toBe(cUp.at - cDown.at);
  expect(cUp.outageMs).toBeGreaterThanOrEqual(healed - cDown.at);
  expect(meshUp.outageMs).toBe(meshUp.at - meshDown.at);

  const history = RecoveryHistory.parse(tracker.history({ from: started }));
  expect(history.reachability.at(-1)).toMatchObject({ reachable: 2, total: 2 });
  expect(history.outages.every((o) => o.end !== null && o.end >= o.start)).toBe(true);
  expect(history.outages.at(-1)).toMatchObject({ start: meshDown.at, end: meshUp.at });
  const fired = events.filter((e) => e.at >= started);
  expect(history.events).toHaveLength(fired.length);
  expect(history.events).toEqual(expect.arrayContaining(fired));

  const c = RecoveryDistribution.parse(tracker.distribution({ from: started, peer: 'node-c' }));
  expect(c.recovered).toBe(1);
  const mesh = tracker.distribution({ from: started });
  expect(mesh.recovered).toBe(back.kind === 'recovered' ? 2 : 1);
  expect(mesh.p95Ms).toBe(meshUp.outageMs);
  expect(logLines.filter((l) => l.includes('Unparsable'))).toEqual([]);
});

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pollUntil } from '../../app/cli/demo/netns';
import { createLogger } from '../../app/core/log';
import { BabelLocalClient } from '../../app/core/babel/local-client';

/**
 * A real babeld 1.12 on each side of a veth between two network namespaces this test creates;
 * the client reads node A's babeld through its read-only socket. babeld is started directly here
 * as a fixture (the product starts it through the helper).
 */
const IP = '/usr/sbin/ip';
const BABELD = '/usr/sbin/babeld';
const suffix = randomBytes(3).toString('hex');

interface Node {
  ns: string;
  veth: string;
  prefix: string;
  dir: string;
  babeld: ChildProcess | null;
}

const nodes: Record<'a' | 'b', Node> = {
  a: { ns: `vfbt-ba-${suffix}`, veth: `vba${suffix}`, prefix: 'fd42:b4be:1:a::/64', dir: '', babeld: null },
  b: { ns: `vfbt-bb-${suffix}`, veth: `vbb${suffix}`, prefix: 'fd42:b4be:1:b::/64', dir: '', babeld: null },
};
const logLines: string[] = [];
let client: BabelLocalClient;

const ip = (...args: string[]): string => execFileSync(IP, args, { encoding: 'utf8' });
const socketOf = (node: Node): string => join(node.dir, 'ro.sock');

function startBabeld(node: Node): ChildProcess {
  const child = spawn(
    IP,
    [
      ...['netns', 'exec', node.ns, BABELD],
      ...['-I', join(node.dir, 'pid'), '-S', join(node.dir, 'state'), '-g', socketOf(node)],
      ...['-C', `interface ${node.veth} type wired hello-interval 0.2`],
      ...['-C', `redistribute ip ${node.prefix} eq 64 allow`, '-C', 'redistribute local deny'],
    ],
    { stdio: 'ignore' },
  );
  node.babeld = child;
  return child;
}

async function stopBabeld(node: Node, signal: NodeJS.Signals): Promise<void> {
  const child = node.babeld;
  node.babeld = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** {@link pollUntil} with this file's default deadline. */
const until = <T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 20_000): Promise<T> =>
  pollUntil(what, probe, { timeoutMs });

const linkLocalOf = (node: Node): string => {
  const [dev] = JSON.parse(
    ip('-n', node.ns, '-6', '-j', 'addr', 'show', 'dev', node.veth, 'scope', 'link'),
  ) as {
    addr_info: { local: string }[];
  }[];
  return dev!.addr_info[0]!.local;
};

beforeAll(() => {
  for (const node of Object.values(nodes)) {
    node.dir = mkdtempSync(join(tmpdir(), `vfb-babel-${node.ns}-`));
    ip('netns', 'add', node.ns);
    ip('netns', 'exec', node.ns, '/usr/sbin/sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0');
  }
  ip(
    'link',
    'add',
    nodes.a.veth,
    'netns',
    nodes.a.ns,
    'type',
    'veth',
    'peer',
    'name',
    nodes.b.veth,
    'netns',
    nodes.b.ns,
  );
  for (const node of Object.values(nodes)) {
    ip('-n', node.ns, 'link', 'set', 'lo', 'up');
    ip('-n', node.ns, 'link', 'set', node.veth, 'up');
    ip('-n', node.ns, 'addr', 'add', node.prefix.replace('::/64', '::1/64'), 'dev', 'lo');
    startBabeld(node);
  }
  client = new BabelLocalClient(socketOf(nodes.a), {
    logger: createLogger({ scope: 'babel', level: 'debug', sink: (l) => logLines.push(l) }),
    reconnectDelayMs: { min: 50, max: 500 },
  });
});

afterAll(async () => {
  client?.dispose();
  for (const node of Object.values(nodes)) {
    await stopBabeld(node, 'SIGKILL');
    execFileSync(IP, ['netns', 'del', node.ns], { stdio: 'ignore' });
    rmSync(node.dir, { recursive: true, force: true });
  }
});

describe('BabelLocalClient against babeld 1.12', () => {
  test('sees the neighbour and the route to the other prefix, counted on the interface', async () => {
    const route = await until('a route to B', () => client.table.selectedRoute(nodes.b.prefix));
    expect(client.connected).toBe(true);
    expect(client.banner?.version).toMatch(/^babeld-1\.12\./);

    const neighbours = [...client.table.neighbours.values()];
    expect(neighbours).toHaveLength(1);
    expect(neighbours[0]).toMatchObject({ address: linkLocalOf(nodes.b), ifname: nodes.a.veth });
    expect(route).toMatchObject({ via: neighbours[0]!.address, ifname: nodes.a.veth, installed: true });
    expect(client.table.interfaceStats().get(nodes.a.veth)?.routeCount).toBe(1);
    expect(client.table.neighbourStats().get(neighbours[0]!.id)?.routeCount).toBe(1);
    expect([...client.table.xroutes.values()].map((x) => x.prefix)).toEqual([nodes.a.prefix]);
  });

  test('killing the other babeld makes the route and the neighbour disappear', async () => {
    const flushed: string[] = [];
    const subscription = client.table.onDidChange((u) => u.kind === 'flush' && flushed.push(u.type));
    await stopBabeld(nodes.b, 'SIGKILL');
    await until('the route to B to be flushed', () => client.table.routes.size === 0);
    await until('the neighbour to be flushed', () => client.table.neighbours.size === 0);
    subscription.dispose();
    expect(flushed).toEqual(expect.arrayContaining(['route', 'neighbour']));
    expect(client.table.interfaceStats().get(nodes.a.veth)?.routeCount).toBe(0);
  });

  test('reconnects when its babeld restarts and resets the model from the new dump', async () => {
    let connects = 0;
    let disconnects = 0;
    client.onDidConnect(() => (connects += 1));
    client.onDidDisconnect(() => (disconnects += 1));
    const before = client.banner!.myId;

    await stopBabeld(nodes.a, 'SIGTERM');
    await until('the client to notice', () => disconnects === 1);
    expect(client.connected).toBe(false);
    startBabeld(nodes.a);
    await until('the client to reconnect', () => connects === 1 && client.connected);

    expect(client.banner!.myId).not.toBe(before);
    expect(client.table.interfaces.get(nodes.a.veth)?.up).toBe(true);
    expect(client.table.routes.size).toBe(0);
    expect(logLines.filter((l) => l.includes('Reading babeld state … done in'))).toHaveLength(2);
    expect(logLines.filter((l) => l.includes('Unparsable'))).toEqual([]);
  });
});

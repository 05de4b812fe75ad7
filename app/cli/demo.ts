/**
 * `vifibnet demo` (root): builds a local mesh in network namespaces — a registry and N nodes on
 * a simulated underlay, each node running the real helper and node engine — prints every node's
 * prefix and the all-pairs reachability matrix (again whenever it changes), optionally cuts
 * underlay paths at random (`--chaos`), and tears everything down on Ctrl-C or on error.
 *
 * `vifibnet demo probe-agent --port P` is the demo's own probe process (see demo/probe-agent.ts),
 * started by the demo inside each node namespace; it is not meant to be run by hand.
 */
import { existsSync } from 'node:fs';
import { createLogger, type Logger } from '../core/log';
import { runChaos } from './demo/chaos';
import { Mesh } from './demo/mesh';
import { IP } from './demo/netns';
import { runProbeAgent } from './demo/probe-agent';
import { PROBE_PORT } from './demo/prober';
import { VIFIBNET_BIN } from './demo/processes';
import { PING } from './demo/reachability';
import { MAX_UNDERLAY_NODES, NFT } from './demo/underlay';
import { watchReachability } from './demo/watch';
import { parseOptions, runReporting, UsageError } from './command';

const USAGE = '[--nodes N] [--chaos] [--hello SECONDS] [--keep-dir]';

/** Nodes of the demo mesh unless `--nodes` says otherwise. */
export const DEFAULT_DEMO_NODES = 6;

/** Hello interval of the demo network unless `--hello` says otherwise (failover ≈ 4 × hello). */
export const DEFAULT_DEMO_HELLO_S = 0.5;

/** Programs the demo needs, with the Debian package of each. */
const REQUIRED_PROGRAMS: [string, string][] = [
  [IP, 'iproute2'],
  [NFT, 'nftables'],
  [PING, 'iputils-ping'],
  ['/usr/sbin/openvpn', 'openvpn'],
  ['/usr/sbin/babeld', 'babeld'],
];

function checkHost(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the demo needs root: it creates network namespaces and runs the privileged helper (try: sudo npm run demo)',
    );
  }
  const missing = REQUIRED_PROGRAMS.filter(([path]) => !existsSync(path));
  if (missing.length) {
    throw new Error(
      `missing ${missing.map(([path]) => path).join(', ')}; install: apt-get install ${missing.map(([, pkg]) => pkg).join(' ')}`,
    );
  }
}

function numberOption(name: string, text: string, min: number, max: number, integer: boolean): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))
    throw new UsageError(
      `--${name} must be ${integer ? 'an integer' : 'a number'} in ${min}-${max}, not ${text}`,
    );
  return value;
}

/** Ends on the first SIGINT/SIGTERM/SIGHUP; later ones only say that tear-down is under way. */
function abortOnSignals(log: Logger): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) log.info('Still tearing down; please wait');
    else {
      log.info('Stopping', { signal: name });
      controller.abort();
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  return {
    signal: controller.signal,
    release: () => signals.forEach((s) => process.off(s, onSignal)),
  };
}

function nodeTable(mesh: Mesh): string {
  const rows = [
    ['node', 'underlay', 'prefix', 'overlay address', 'namespace'],
    ...mesh.nodes.map((n) => [n.name, n.port.address, n.prefix, n.address, n.ns.name]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const first = mesh.nodes[0]!;
  return [
    ...rows.map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    ),
    '',
    `registry  ${mesh.registry.url} (namespace ${mesh.registry.ns.name}, network ${mesh.registry.networkPrefix})`,
    `work dir  ${mesh.dir} (node state, logs)`,
    `inspect   ip netns exec ${first.ns.name} ${process.execPath} ${VIFIBNET_BIN} status --state-dir ${first.stateDir}`,
    'Ctrl-C stops the demo and removes everything it created.',
  ].join('\n');
}

async function runDemo(args: string[]): Promise<void> {
  const { values } = parseOptions(args, {
    nodes: { type: 'string', default: String(DEFAULT_DEMO_NODES) },
    hello: { type: 'string', default: String(DEFAULT_DEMO_HELLO_S) },
    chaos: { type: 'boolean', default: false },
    'keep-dir': { type: 'boolean', default: false },
  });
  const nodes = numberOption('nodes', values.nodes, 2, MAX_UNDERLAY_NODES, true);
  const helloInterval = numberOption('hello', values.hello, 0.05, 60, false);
  checkHost();
  const log = createLogger({ scope: 'demo' });
  const write = (text: string): void => void process.stdout.write(`${text}\n`);
  const { signal, release } = abortOnSignals(log);
  let mesh: Mesh | undefined;
  try {
    mesh = await Mesh.build({ nodes, helloInterval, keepDir: values['keep-dir'], log, signal });
    write(`\n${nodeTable(mesh)}`);
    const chaos = values.chaos ? runChaos(mesh, { write, signal, log }) : undefined;
    await watchReachability(mesh, write, signal);
    await chaos;
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    await mesh?.dispose();
    release();
  }
}

/** Entry point of `vifibnet demo`. */
export function runDemoCommand(args: string[]): Promise<number> {
  if (args[0] === 'probe-agent') {
    return runReporting('demo probe-agent', '--port N', async () => {
      const { values } = parseOptions(args.slice(1), {
        port: { type: 'string', default: String(PROBE_PORT) },
      });
      await runProbeAgent(numberOption('port', values.port, 1, 65535, true));
    });
  }
  return runReporting('demo', USAGE, () => runDemo(args));
}

/**
 * Pure writer of babeld 1.12's configuration and command line. Input is typed fields only; the
 * helper chooses every path. babeld runs in the foreground under the supervisor.
 *
 * Choices (measured on Debian's babeld 1.12.1, see TOOLCHAIN.md and helper/ops/babel.ts):
 * - `random-id true`: a restarted node gets a fresh router-id, so peers never wait for the old
 *   id's sequence numbers to catch up.
 * - `link-detect true`: babeld follows the carrier of the tap devices, so a dead OpenVPN process
 *   (which drops the carrier of its persistent device) takes the link down at once instead of
 *   after the hello timeout.
 * - `smoothing-half-life 1` ({@link SMOOTHING_HALF_LIFE_S}): babeld's default 4 s hysteresis
 *   kept a worse route for 28–60 s after a cold start here; smoothing only delays switching
 *   between usable routes (a retracted route is dropped immediately), so 1 s keeps a little
 *   damping against RTT jitter without holding a bad route for long.
 * - drain slots: {@link DRAIN_SLOTS} pairs of filters `in if vfbdrainK metric M` and
 *   `out if vfbdrainK metric M` ({@link DRAIN_METRIC}), always written. babeld 1.12 refuses
 *   `in`/`out` on its socket once started (measured: `bad`; its parser fails filters once the
 *   configuration is finalised), so filters cannot be added at run time; instead `babel.drain`
 *   gives the drained device the kernel alternative name `vfbdrainK`, which babeld resolves with
 *   if_nametoindex when it renumbers its filters (helper/ops/babel.ts). Every route learnt over
 *   the device and announced on it (our own prefix included) then costs M more, so both ends
 *   move to other paths while the neighbour and its routes stay (no flush). A slot name resolves
 *   to nothing while no device carries it, so the filters are inert until used.
 * - listener (tap server) interfaces get `split-horizon false`: the server's clients do not hear
 *   each other, so a route learnt from one client must be re-announced on the same interface.
 * - redistribution: only the node's own prefix, exactly (`eq <len>`); local addresses and
 *   every other kernel route are denied.
 */
import { decimal, int, token } from './directives';

/**
 * Metric a drain adds to the routes over a tunnel: above any plausible path through the mesh
 * (a hop costs 96 plus RTT cost), far below infinity (65535) even across several drained hops.
 */
export const DRAIN_METRIC = 4_096;

/** Drain filter slots, i.e. tunnels that can be draining at once. */
export const DRAIN_SLOTS = 32;

/** The alternative device name that selects drain filter slot `slot`. */
export function drainSlotName(slot: number): string {
  return `vfbdrain${int('drain slot', slot, 0, DRAIN_SLOTS - 1)}`;
}

/** Hysteresis time constant written as `smoothing-half-life` (see the module comment). */
export const SMOOTHING_HALF_LIFE_S = 1;

/** One interface as the helper hands it to the writer. */
export interface BabelInterfaceFields {
  /** Device name (vfb…). */
  name: string;
  /** Babel link type. */
  type: 'tunnel' | 'wired' | 'wireless';
  /** False on the tap server's device, whose clients do not hear each other. */
  splitHorizon: boolean;
}

/** Everything the babeld configuration depends on. */
export interface BabeldFields {
  /** Hello interval in seconds. */
  helloInterval: number;
  /** Interfaces to run on. */
  interfaces: BabelInterfaceFields[];
  /** The node prefix to redistribute (canonical text) and its length. */
  redistribute: { prefix: string; length: number };
}

/** Paths babeld uses, one set per helper instance. */
export interface BabeldPaths {
  /** The configuration file. */
  config: string;
  /** Pid file (`-I`), unique per instance so several helpers can run on one machine. */
  pidFile: string;
  /** State file (`-S`) keeping sequence numbers across restarts. */
  stateFile: string;
  /** babeld's one local socket, read-write, in a root-only directory (`-G`). */
  controlSocket: string;
}

/**
 * The `interface …` line for one interface. The same text serves the file and run-time changes
 * sent over babeld's local socket.
 */
export function interfaceLine(i: BabelInterfaceFields, helloInterval: number): string {
  const parts = [
    'interface',
    token('device', 'interface', i.name),
    'type',
    i.type,
    'hello-interval',
    decimal('helloInterval', helloInterval, 0.05, 60),
  ];
  if (!['tunnel', 'wired', 'wireless'].includes(i.type)) throw new Error(`bad link type ${i.type}`);
  if (!i.splitHorizon) parts.push('split-horizon', 'false');
  return parts.join(' ');
}

/**
 * The two filter lines of drain slot `slot`: routes learnt over (`in`) and announced on (`out`)
 * the device named {@link drainSlotName} cost {@link DRAIN_METRIC} more.
 */
export function drainLines(slot: number): [string, string] {
  const name = token('device', 'interface', drainSlotName(slot));
  const metric = int('metric', DRAIN_METRIC, 1, 65534);
  return [`in if ${name} metric ${metric}`, `out if ${name} metric ${metric}`];
}

/** The whole configuration file. */
export function babeldConfig(f: BabeldFields): string {
  const prefix = token('prefix', 'redistribute', f.redistribute.prefix);
  const len = int('prefix length', f.redistribute.length, 0, 128);
  const lines = [
    '# Written by the vifibnet helper from validated fields. Do not edit: it is rewritten.',
    'random-id true',
    'link-detect true',
    `smoothing-half-life ${int('smoothing', SMOOTHING_HALF_LIFE_S, 0, 60)}`,
    ...f.interfaces.map((i) => interfaceLine(i, f.helloInterval)),
    ...Array.from({ length: DRAIN_SLOTS }, (_, k) => drainLines(k)).flat(),
    `redistribute ip ${prefix} eq ${len} allow`,
    'redistribute local deny',
    'redistribute deny',
  ];
  return `${lines.join('\n')}\n`;
}

/** babeld's argv: foreground, helper-chosen paths, the read-write socket private to root. */
export function babeldArgs(p: BabeldPaths): string[] {
  return [
    '-c',
    token('path', 'config', p.config),
    '-I',
    token('path', 'pidFile', p.pidFile),
    '-S',
    token('path', 'stateFile', p.stateFile),
    '-G',
    token('path', 'controlSocket', p.controlSocket),
  ];
}

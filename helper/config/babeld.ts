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
 * - a drained interface (raised rxcost from `babel.setCost`) also gets `link-quality true`: with
 *   link quality babeld combines both directions' costs once either is 256 or more, so the
 *   drained tunnel becomes expensive for our own routes too and not only for the peer's (without
 *   it a drain is one-sided and "no route uses the tunnel" never comes on our side). Undrained
 *   interfaces keep babeld's default: link quality from the start slowed first convergence here.
 * - listener (tap server) interfaces get `split-horizon false`: the server's clients do not hear
 *   each other, so a route learnt from one client must be re-announced on the same interface.
 * - redistribution: only the node's own prefix, exactly (`eq <len>`); local addresses and
 *   every other kernel route are denied.
 */
import { decimal, int, token } from './directives';

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
  /** Raised rxcost (babel.setCost), or null for babeld's default. */
  rxcost: number | null;
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
  if (i.rxcost !== null) parts.push('rxcost', int('rxcost', i.rxcost, 1, 65534), 'link-quality', 'true');
  return parts.join(' ');
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

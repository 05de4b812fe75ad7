/**
 * One node of the demo mesh, run as an operator would run a real one: enrolled with
 * `vifibnet node enroll`, then its own `vifibnet helper` and `vifibnet node run` inside its
 * namespace, observed with `vifibnet status --json`. Beside them runs the node's probe agent.
 */
import { join } from 'node:path';
import { helperPaths, runDirOf } from '../../../helper/paths';
import type { Logger, LogLevel } from '../../core/log';
import { requestRotation } from '../../core/node/control-client';
import { NODE_FILES } from '../../core/node/node-state';
import { NodeStatusSchema, type NodeStatus } from '../../core/node/status';
import type { Netns } from './netns';
import { ProbeAgent } from './prober';
import {
  runVifibnet,
  startHelper,
  startVifibnet,
  type ManagedProcess,
  type ProcessExit,
  type ProcessSet,
  type StartedHelper,
} from './processes';
import type { UnderlayPort } from './underlay';

/** How long `node run` may take to print its ready line. */
const READY_TIMEOUT_MS = 60_000;

/** What `node run` prints once set up. */
const READY_LINE = /node ready prefix=(\S+) address=(\S+)/;

/** What `node run --ui` prints once its web UI serves. */
const UI_LINE = /^open (http:\/\/\S+)$/;

/** The helper's name in the node's directory (its socket is `<dir>/<name>.sock`). */
const HELPER_NAME = 'helper';

/** A member node of the demo mesh. */
export class MeshNode {
  /** Its name in the demo (`n1` …), not its certificate name. */
  readonly name: string;
  /** Its prefix, once enrolled. */
  prefix = '';
  /** Its certificate name (what peers pin and status shows), once enrolled. */
  certificateName = '';
  /** Its overlay address, once `node run` is ready. */
  address = '';
  /** The single-use token it enrolled with (spent once {@link enroll} succeeded). */
  token = '';
  private helper: StartedHelper | undefined;
  private engine: ManagedProcess | undefined;
  private prober: ProbeAgent | undefined;

  /** Describes node number `index` (from 0); nothing runs until {@link enroll} and the starts. */
  constructor(
    /** Position in the mesh (0-based). */
    readonly index: number,
    /** Its namespace and underlay link. */
    readonly port: UnderlayPort,
    /** Its directory: state, helper, logs. */
    readonly dir: string,
    private readonly processes: ProcessSet,
    private readonly log: Logger,
    private readonly logLevel: LogLevel,
  ) {
    this.name = `n${index + 1}`;
  }

  /** Its namespace. */
  get ns(): Netns {
    return this.port.ns;
  }

  /** The node's state directory (key, certificate, peer DB). */
  get stateDir(): string {
    return join(this.dir, 'state');
  }

  /** The socket of this node's helper (it listens there once {@link startHelper} resolved). */
  get helperSocket(): string {
    return join(this.dir, `${HELPER_NAME}.sock`);
  }

  /** The read-only babeld socket this node's helper serves (see helper/babel/readonly-proxy.ts). */
  get babelSocket(): string {
    const socket = this.helperSocket;
    return helperPaths(socket, runDirOf(socket), join(this.dir, HELPER_NAME)).babelReadOnlySocket;
  }

  /** The probe agent of this node's namespace (after {@link startAgent}). */
  get agent(): ProbeAgent {
    if (!this.prober) throw new Error(`${this.name}: the probe agent is not running`);
    return this.prober;
  }

  /** Enrols with `token` at the registry `url`, pinning its CA by `caFingerprint`. */
  async enroll(url: string, token: string, caFingerprint: string): Promise<void> {
    const out = await runVifibnet(this.ns, [
      'node',
      'enroll',
      '--registry',
      url,
      '--token',
      token,
      '--ca-fingerprint',
      caFingerprint,
      '--state-dir',
      this.stateDir,
      '--json',
    ]);
    const enrolled = JSON.parse(out) as { prefix: string; name: string };
    this.prefix = enrolled.prefix;
    this.certificateName = enrolled.name;
    this.token = token;
  }

  /** Starts this node's helper daemon; resolves once it serves. */
  async startHelper(): Promise<void> {
    this.helper = await startHelper(this.ns, this.dir, HELPER_NAME, [], this.logOptions('helper'));
    this.processes.add(this.helper.process);
  }

  /** Starts the probe agent in this node's namespace. */
  async startAgent(): Promise<void> {
    this.prober = await ProbeAgent.start(this.ns, `probe agent ${this.name}`, this.processes);
  }

  /** Starts `node run`; resolves once it prints its ready line. */
  async start(): Promise<void> {
    if (!this.helper) throw new Error(`${this.name}: start the helper first`);
    await this.waitReady(this.startNodeRun([]));
  }

  /**
   * Starts `node run --ui PORT` (its helper may come later) and resolves with the address the UI
   * prints, token included. An enrolled node is ready by then; one not enrolled yet becomes ready
   * once its user has joined and connected in the UI (see {@link waitReady}).
   */
  async startUi(port: number): Promise<string> {
    const [, url] = await this.startNodeRun(['--ui', String(port)]).waitForLine(UI_LINE, READY_TIMEOUT_MS);
    return url!;
  }

  /** Resolves once the running `node run` has printed its ready line; takes its prefix and address. */
  async waitReady(engine = this.engine, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    if (!engine) throw new Error(`${this.name}: node run is not running`);
    const [, prefix, address] = await engine.waitForLine(READY_LINE, timeoutMs);
    this.prefix = prefix!;
    this.address = address!;
    this.log.debug('Node ready', { node: this.name, prefix: this.prefix, address: this.address });
  }

  private startNodeRun(extraArgs: readonly string[]): ManagedProcess {
    if (this.engine?.running()) throw new Error(`${this.name}: node run is already running`);
    const args = [
      ...['node', 'run', '--state-dir', this.stateDir, '--helper-socket', this.helperSocket],
      ...['--underlay-address', this.port.address, '--log-level', this.logLevel, ...extraArgs],
    ];
    this.engine = this.processes.add(
      startVifibnet(this.ns, `node ${this.name}`, args, this.logOptions('node')),
    );
    return this.engine;
  }

  /** True while `node run` runs. */
  running(): boolean {
    return this.engine?.running() ?? false;
  }

  /**
   * Stops `node run` cleanly (SIGTERM; SIGKILL after `graceMs`); resolves with how it ended, or
   * undefined when it never ran.
   */
  async stop(graceMs = 10_000): Promise<ProcessExit | undefined> {
    return this.engine?.stop(graceMs);
  }

  /**
   * Kills every process of the node's namespace with SIGKILL — engine, helper, OpenVPN, babeld,
   * probe agent — as a power cut would; devices and addresses stay behind for the next helper.
   */
  async crash(): Promise<void> {
    const tracked = [this.engine, this.helper?.process].filter((p) => p !== undefined);
    for (const pid of await this.ns.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await Promise.all(tracked.map((p) => p.exited));
    await this.prober?.exited();
  }

  /** Starts helper, probe agent and engine again (after {@link crash}). */
  async restart(): Promise<void> {
    await Promise.all([this.startHelper(), this.startAgent()]);
    await this.start();
  }

  /** `vifibnet status --json` of this node. */
  async status(): Promise<NodeStatus> {
    const out = await runVifibnet(this.ns, ['status', '--state-dir', this.stateDir, '--json'], 20_000);
    return NodeStatusSchema.parse(JSON.parse(out));
  }

  /** Asks the engine to rotate its outgoing tunnel to `peer` (prefix or device) now; returns the device. */
  rotate(peer: string): Promise<string> {
    return requestRotation(join(this.stateDir, NODE_FILES.control), peer);
  }

  /** The last lines of the engine's and the helper's logs, for diagnostics. */
  logTail(lines = 40): string {
    const last = (text = ''): string => text.split('\n').slice(-lines).join('\n');
    return `--- node run ${this.name}\n${last(this.engine?.logText())}\n--- helper ${this.name}\n${last(this.helper?.process.logText())}`;
  }

  private logOptions(what: string): { logFile: string } {
    return { logFile: join(this.dir, `${what}.log`) };
  }
}

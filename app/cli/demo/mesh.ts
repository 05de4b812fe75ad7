/**
 * The demo mesh, built the way an operator builds a real network: an underlay of namespaces,
 * a registry (`registry init` + `serve`) in the switch namespace, one token per node, each
 * node enrolled, then its helper and `node run` started. `vifibnet demo`, the end-to-end tests,
 * the UI tests and the mesh benchmark all build their mesh here. Spare nodes (a namespace on the
 * underlay and a directory, nothing enrolled or started) are there for a node that joins later. {@link Mesh.dispose} stops everything
 * (nodes first, cleanly) and removes every namespace; it is safe to call at any time.
 */
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger, LogLevel } from '../../core/log';
import type { NetworkParametersT } from '../../registry/network-config';
import { MeshNode } from './node';
import { ProcessSet } from './processes';
import { pollUntil } from './netns';
import { allReachable, measureReachability, unreachablePairs, type ReachabilityMatrix } from './reachability';
import { DemoRegistry } from './registry';
import { SWITCH_ADDRESS, Underlay } from './underlay';

/** Options of {@link Mesh.build}. */
export interface MeshOptions {
  /** Number of nodes. */
  nodes: number;
  /** Spare nodes: on the underlay after the nodes, not enrolled, nothing started (default 0). */
  spares?: number;
  /** Babel hello interval of the network, in seconds. */
  helloInterval: number;
  /** Outgoing tunnels per node (default 2: every node has a second path, the mesh stays sparse). */
  clientCount?: number;
  /** Seconds between tunnel re-evaluations (registry default when absent). */
  tunnelRefreshInterval?: number;
  /** Log level of the nodes (default info). */
  nodeLogLevel?: LogLevel;
  /** Keep the working directory (logs, state) after {@link Mesh.dispose}. */
  keepDir?: boolean;
  /** The demo's logger. */
  log: Logger;
  /** Abandons the build between two steps (Ctrl-C); what was built is torn down. */
  signal?: AbortSignal;
}

/** Settles like `work`, or rejects as soon as `signal` aborts (the work goes on, unobserved). */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  return Promise.race([
    work,
    new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
    ),
  ]);
}

/** Default outgoing tunnels per node. */
export const DEFAULT_CLIENT_COUNT = 2;

/** A running mesh. */
export class Mesh {
  /** When the nodes' engines were started (ms since the epoch), for convergence times. */
  enginesStartedAt = 0;
  private disposed: Promise<void> | undefined;

  private constructor(
    /** Working directory: registry, one directory per node, logs. */
    readonly dir: string,
    /** The underlay namespaces and their cuts. */
    readonly underlay: Underlay,
    /** The registry. */
    readonly registry: DemoRegistry,
    /** The nodes, `n1` first. */
    readonly nodes: MeshNode[],
    /** The spare nodes (numbered after the nodes): the caller enrols and starts them. */
    readonly spares: MeshNode[],
    private readonly processes: ProcessSet,
    private readonly options: MeshOptions,
  ) {}

  /** Builds and starts a mesh; on failure, tears down whatever was built and rethrows. */
  static async build(options: MeshOptions): Promise<Mesh> {
    const { log, signal } = options;
    const step = <T>(what: string, work: () => Promise<T>): Promise<T> =>
      unlessAborted(log.step(what, work), signal);
    const dir = await mkdtemp(join(tmpdir(), 'vifibnet-demo-'));
    const processes = new ProcessSet();
    let underlay: Underlay | undefined;
    let mesh: Mesh | undefined;
    try {
      // Not abandoned half-way: what it creates must be known to be removed.
      underlay = await Underlay.create(options.nodes + (options.spares ?? 0), log);
      const parameters: Partial<NetworkParametersT> = {
        helloInterval: options.helloInterval,
        clientCount: options.clientCount ?? DEFAULT_CLIENT_COUNT,
        ...(options.tunnelRefreshInterval === undefined
          ? {}
          : { tunnelRefreshInterval: options.tunnelRefreshInterval }),
      };
      const registry = await unlessAborted(
        DemoRegistry.init(
          underlay.switchNs,
          join(dir, 'registry'),
          SWITCH_ADDRESS,
          parameters,
          processes,
          log,
        ),
        signal,
      );
      const all = underlay.ports.map(
        (port, i) =>
          new MeshNode(i, port, join(dir, `n${i + 1}`), processes, log, options.nodeLogLevel ?? 'info'),
      );
      const nodes = all.slice(0, options.nodes);
      mesh = new Mesh(dir, underlay, registry, nodes, all.slice(options.nodes), processes, options);
      await Promise.all(all.map((n) => mkdir(n.dir, { recursive: true })));
      const url = await unlessAborted(registry.start(), signal);
      const tokens = await unlessAborted(registry.createTokens(nodes.length), signal);
      await step(`Enrolling ${nodes.length} nodes`, () =>
        Promise.all(nodes.map((n, i) => n.enroll(url, tokens[i]!, registry.caFingerprint))),
      );
      await step('Starting helpers and probe agents', () =>
        Promise.all(nodes.flatMap((n) => [n.startHelper(), n.startAgent()])),
      );
      mesh.enginesStartedAt = Date.now();
      await step(`Starting ${nodes.length} nodes`, () => Promise.all(nodes.map((n) => n.start())));
      return mesh;
    } catch (err) {
      if (mesh) await mesh.dispose();
      else {
        await processes.stopAll();
        await underlay?.destroy();
        if (!options.keepDir) await rm(dir, { recursive: true, force: true });
      }
      throw err;
    }
  }

  /** The node (or enrolled spare) whose certificate name or prefix is `peer`, if any. */
  nodeOfPeer(peer: string): MeshNode | undefined {
    return [...this.nodes, ...this.spares].find(
      (n) => n.prefix !== '' && (n.prefix === peer || n.certificateName === peer),
    );
  }

  /** All-pairs reachability among `nodes` (all nodes by default). */
  reachability(nodes: readonly MeshNode[] = this.nodes): Promise<ReachabilityMatrix> {
    return measureReachability(nodes);
  }

  /**
   * Resolves once every ordered pair of `nodes` (all by default) answers over the overlay, with
   * the time that took; rejects after `timeoutMs` naming the pairs still unreachable.
   */
  async waitForAllPairs(timeoutMs: number, nodes: readonly MeshNode[] = this.nodes): Promise<number> {
    const started = Date.now();
    const names = nodes.map((n) => n.name);
    await pollUntil(
      `all pairs of ${names.join(' ')} to reach each other`,
      async () => {
        const matrix = await this.reachability(nodes);
        if (allReachable(matrix)) return true;
        throw new Error(`unreachable: ${unreachablePairs(names, matrix).join(' ')}`);
      },
      { timeoutMs, intervalMs: 500 },
    );
    return Date.now() - started;
  }

  /**
   * Stops every node cleanly (SIGTERM, in parallel), then the helpers, agents and registry, then
   * removes the namespaces and (unless kept) the working directory. Idempotent; never throws.
   */
  dispose(): Promise<void> {
    this.disposed ??= this.options.log
      .step('Tearing down the mesh', async () => {
        await Promise.all([...this.nodes, ...this.spares].map((n) => n.stop()));
        await this.processes.stopAll();
        await this.underlay.destroy();
        if (this.options.keepDir) this.options.log.info('Kept the working directory', { dir: this.dir });
        else await rm(this.dir, { recursive: true, force: true });
      })
      .catch((err: unknown) => {
        this.options.log.error('Tear-down failed', {
          reason: err instanceof Error ? err.message : String(err),
        });
      });
    return this.disposed;
  }
}

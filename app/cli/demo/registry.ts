/**
 * The demo's registry: created with `vifibnet registry init` (with the mesh's network
 * parameters), served with `vifibnet registry serve` in the switch namespace on the underlay
 * bridge address, and administered locally (`registry token create`), exactly as an operator would.
 */
import { z } from 'zod';
import type { Logger } from '../../core/log';
import type { NetworkParametersT } from '../../registry/network-config';
import type { Netns } from './netns';
import { runVifibnet, startVifibnet, type ManagedProcess, type ProcessSet } from './processes';

/** How long the registry may take to start listening. */
const START_TIMEOUT_MS = 30_000;

const InitOutput = z.object({ caFingerprint: z.string(), networkPrefix: z.string() });
const TokenOutput = z.object({ tokens: z.array(z.object({ token: z.string() })) });

/** A registry running in a namespace. */
export class DemoRegistry {
  private process: ManagedProcess | undefined;
  private bound = '';

  private constructor(
    /** Namespace it is served from. */
    readonly ns: Netns,
    /** Its directory (database, CA). */
    readonly dir: string,
    /** Address it binds. */
    readonly host: string,
    /** SHA-256 fingerprint of its CA, given to nodes with their token. */
    readonly caFingerprint: string,
    /** The network prefix it allocates from. */
    readonly networkPrefix: string,
    private readonly processes: ProcessSet,
    private readonly log: Logger,
  ) {}

  /** Creates a registry in `dir` with network parameters `parameters`. */
  static async init(
    ns: Netns,
    dir: string,
    host: string,
    parameters: Partial<NetworkParametersT>,
    processes: ProcessSet,
    log: Logger,
  ): Promise<DemoRegistry> {
    const sets = Object.entries(parameters).flatMap(([key, value]) => ['--set', `${key}=${String(value)}`]);
    const out = await log.step('Creating registry', () =>
      runVifibnet(ns, ['registry', 'init', '--dir', dir, '--json', ...sets]),
    );
    const info = InitOutput.parse(JSON.parse(out));
    return new DemoRegistry(ns, dir, host, info.caFingerprint, info.networkPrefix, processes, log);
  }

  /** Base URL of the running registry (the first one, once stopped). */
  get url(): string {
    if (!this.bound) throw new Error('the registry has not been started');
    return this.bound;
  }

  /** True while the registry process runs. */
  running(): boolean {
    return this.process?.running() ?? false;
  }

  /** Its log, for diagnostics. */
  logText(): string {
    return this.process?.logText() ?? '';
  }

  /**
   * Serves the API; resolves once it listens. A restart binds the port of the first start, so
   * the URL the nodes enrolled with stays valid.
   */
  async start(): Promise<string> {
    if (this.running()) return this.url;
    const port = this.bound ? new URL(this.bound).port : '0';
    const server = this.processes.add(
      startVifibnet(this.ns, 'registry', [
        'registry',
        'serve',
        '--dir',
        this.dir,
        '--host',
        this.host,
        '--port',
        port,
      ]),
    );
    this.process = server;
    const [, url] = await this.log.step('Starting registry', () =>
      server.waitForLine(/^listening on (\S+)$/, START_TIMEOUT_MS),
    );
    this.bound = url!;
    return this.bound;
  }

  /** Stops the registry (SIGTERM). */
  async stop(): Promise<void> {
    await this.process?.stop();
  }

  /**
   * Sets a network parameter (`registry config set`): a new signed config version, which nodes
   * take up when they next start.
   */
  async setParameter(key: keyof NetworkParametersT, value: number | boolean): Promise<void> {
    await runVifibnet(this.ns, ['registry', 'config', 'set', '--dir', this.dir, key, String(value)]);
  }

  /** Creates `count` single-use enrolment tokens. */
  async createTokens(count: number): Promise<string[]> {
    const out = await runVifibnet(this.ns, [
      'registry',
      'token',
      'create',
      '--dir',
      this.dir,
      '--count',
      String(count),
      '--json',
    ]);
    return TokenOutput.parse(JSON.parse(out)).tokens.map((t) => t.token);
  }
}

/**
 * The periodic jobs of a running node, besides the tunnel manager's tick: announcing our address
 * record to the registry, bootstrapping from it while few peers are known, exchanging peers with
 * the tunnel peers over the overlay, and the peer DB upkeep (revocation list, purge of dead,
 * expired and revoked peers). Each is a {@link BackgroundTask} the engine polls at every tick.
 */
import { exchangeRound } from '../exchange/round';
import type { NeighbourKnowledge } from '../exchange/knowledge';
import type { Logger } from '../log';
import type { PeerDb } from '../peers/peer-db';
import type { EndpointT } from '../../registry/protocol';
import { BackgroundTask } from './background-task';
import { revokedSerials } from './crl';
import type { NodeState } from './node-state';
import type { RegistrySync } from './registry-sync';
import type { Counters } from './status';

/** Period of announces to the registry (its default peer timeout is 15 min). */
export const ANNOUNCE_INTERVAL_MS = 5 * 60_000;
/** Delay before retrying an announce that failed. */
export const REGISTRY_RETRY_MS = 30_000;
/** First and longest delay between bootstraps while fewer than `clientCount` live peers are known. */
export const BOOTSTRAP_BACKOFF_MS = { min: 2_000, max: 60_000 } as const;
/** Delay between checks whether a bootstrap is needed, once enough peers are known. */
export const BOOTSTRAP_CHECK_MS = 60_000;
/** Period of peer exchange rounds (a round also starts whenever the set of tunnel peers changes). */
export const EXCHANGE_INTERVAL_MS = 60_000;
/** Period of the peer DB upkeep. */
export const UPKEEP_INTERVAL_MS = 10 * 60_000;

/** What the jobs work with. */
export interface NodeJobsContext {
  /** The node. */
  state: NodeState;
  /** The peer DB. */
  peers: PeerDb;
  /** The registry side. */
  sync: RegistrySync;
  /** Where peer exchange keeps neighbour lists and full flags. */
  knowledge: NeighbourKnowledge;
  /** Counters to update. */
  counters: Counters;
  /** Logger. */
  logger: Logger;
  /** Outgoing tunnels the node keeps now (bootstrap stops once this many live peers are known). */
  clientCount: () => number;
  /** Our address record's endpoints (none: nothing to announce). */
  endpoints: readonly EndpointT[];
  /** Prefixes of the current tunnel peers. */
  tunnelPeers: () => string[];
  /** The last revocation list known, or null. */
  crl: () => string | null;
  /** Installs a newly fetched revocation list (through the helper). */
  installCrl: (crl: string) => Promise<void>;
}

/** The four jobs. */
export class NodeJobs {
  /** Announces our address record. */
  readonly announce: BackgroundTask;
  /** Bootstraps from the registry while few peers are known. */
  readonly bootstrap: BackgroundTask;
  /** Asks the tunnel peers for records and their tunnel peers. */
  readonly exchange: BackgroundTask;
  /** Keeps the peer DB clean. */
  readonly upkeep: BackgroundTask;
  private bootstrapDelay: number = BOOTSTRAP_BACKOFF_MS.min;

  /** Creates the jobs, all due at once except peer exchange (due when tunnel peers appear). */
  constructor(private readonly ctx: NodeJobsContext) {
    const log = ctx.logger;
    this.announce = new BackgroundTask('Announce', () => this.announceOnce(), log);
    this.bootstrap = new BackgroundTask('Bootstrap', () => this.bootstrapOnce(), log);
    this.exchange = new BackgroundTask(
      'Peer exchange',
      () => this.exchangeOnce(),
      log,
      Date.now() + EXCHANGE_INTERVAL_MS,
    );
    this.upkeep = new BackgroundTask('Peer DB upkeep', () => this.upkeepOnce(), log);
  }

  /** Every job, for polling. */
  get all(): BackgroundTask[] {
    return [this.announce, this.bootstrap, this.exchange, this.upkeep];
  }

  private async announceOnce(): Promise<number> {
    if (!this.ctx.endpoints.length) return ANNOUNCE_INTERVAL_MS;
    return (await this.ctx.sync.announce([...this.ctx.endpoints])) ? ANNOUNCE_INTERVAL_MS : REGISTRY_RETRY_MS;
  }

  private async bootstrapOnce(): Promise<number> {
    if (this.ctx.peers.counts().live >= this.ctx.clientCount()) {
      this.bootstrapDelay = BOOTSTRAP_BACKOFF_MS.min;
      return BOOTSTRAP_CHECK_MS;
    }
    const learned = await this.ctx.sync.bootstrap();
    this.bootstrapDelay = learned
      ? BOOTSTRAP_BACKOFF_MS.min
      : Math.min(this.bootstrapDelay * 2, BOOTSTRAP_BACKOFF_MS.max);
    return this.bootstrapDelay;
  }

  private async exchangeOnce(): Promise<number> {
    const { ctx } = this;
    const neighbours = ctx.tunnelPeers();
    if (!neighbours.length) return EXCHANGE_INTERVAL_MS;
    const result = await ctx.logger.step(`Exchanging peers with ${neighbours.length} tunnel peer(s)`, () =>
      exchangeRound(neighbours, {
        caPem: ctx.state.caPem,
        ownPrefix: ctx.state.prefix,
        peers: ctx.peers,
        knowledge: ctx.knowledge,
        now: Date.now,
      }),
    );
    ctx.counters.exchangeRounds += 1;
    ctx.counters.exchangeAnswers += result.answers;
    ctx.counters.recordsLearned += result.learned;
    ctx.counters.recordsRejected += result.rejected;
    if (result.learned || result.rejected)
      ctx.logger.info('Peer exchange records', { learned: result.learned, rejected: result.rejected });
    return EXCHANGE_INTERVAL_MS;
  }

  private async upkeepOnce(): Promise<number> {
    const { ctx } = this;
    const fetched = await ctx.sync.fetchCrl();
    if (fetched) await ctx.installCrl(fetched);
    const crl = ctx.crl();
    const revoked = crl ? ((await revokedSerials(ctx.state.caPem, crl)) ?? []) : [];
    await ctx.logger.step('Refreshing peer DB', () => {
      ctx.peers.purgeInvalid(revoked);
      ctx.peers.purgeDead();
    });
    return UPKEEP_INTERVAL_MS;
  }
}

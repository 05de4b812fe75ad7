/**
 * The recovery tracker: watches a babel {@link RoutingTable}, takes probe results, runs the
 * {@link ReachabilityMachine} (whose module comment states the debounce and suspend rules),
 * stores what it records in the {@link RecoveryStore}, and tells listeners about each timeline
 * event once it is stored (`recovery.recorded` in the API).
 *
 * The records of everything that happens in one synchronous burst (a babeld `dump`, a monitor
 * chunk) are written in one transaction, on the next microtask; queries write pending records
 * first. Records the DB does not take (a full disk) stay queued, in order, and are retried with
 * the next batch or checkpoint; their events fire once they are stored. Past
 * {@link MAX_UNWRITTEN} queued records the queue is dropped (the store copes, see store.ts).
 *
 * A timer settles the machine's route windows when they close, and a checkpoint timer records
 * every {@link CHECKPOINT_INTERVAL_MS} that the tracker is alive (and purges history beyond
 * {@link RETENTION_MS} once an hour).
 */
import type { RecoveryDistributionT, RecoveryEventT, RecoveryHistoryT, RecoveryQueryT } from '../../ipc';
import { Emitter, type Disposable, type Event } from '../babel/emitter';
import type { RoutingTable } from '../babel/routing-table';
import { createLogger, type Logger } from '../log';
import type { RecoveryRecord } from './observation';
import { ReachabilityMachine, type ReachabilityRules } from './reachability-machine';
import { observationsOf, snapshotOf, type PeerResolver } from './route-observer';
import { RETENTION_MS, type RecoveryStore } from './store';

/** How often the tracker records that it is alive, and checks whether history needs purging. */
export const CHECKPOINT_INTERVAL_MS = 60_000;

/** How often history beyond {@link RETENTION_MS} is purged. */
const PURGE_INTERVAL_MS = 3_600_000;

/** Most records queued while the DB cannot be written. */
export const MAX_UNWRITTEN = 10_000;

/** The result of one active probe. */
export interface ProbeResult {
  /** The prefix probed (a tracked destination). */
  prefix: string;
  /** True when the probe was answered. */
  ok: boolean;
  /** When the probe was sent, ms since the epoch; now by default. */
  at?: number;
}

/** Options of {@link RecoveryTracker}. */
export interface RecoveryTrackerOptions {
  /** The babel routing table to watch (the `table` of the node's `BabelLocalClient`). */
  table: RoutingTable;
  /** Where records go; the caller opens and closes it. */
  store: RecoveryStore;
  /** Names the peer a routed prefix belongs to; prefixes of no peer are not tracked. */
  peerOf: PeerResolver;
  /** Debounce rules; the machine's defaults otherwise. */
  rules?: Partial<ReachabilityRules>;
  /** Clock in ms since the epoch, for tests. */
  now?: () => number;
  /** Logger; a `recovery` scope by default. */
  logger?: Logger;
}

/** Records per-destination reachability from babel and probes, and serves its history. */
export class RecoveryTracker implements Disposable {
  private readonly recorded: Emitter<RecoveryEventT>;
  /** Fires for each timeline event, after it was stored. */
  readonly onDidRecord: Event<RecoveryEventT>;

  private readonly table: RoutingTable;
  private readonly store: RecoveryStore;
  private readonly peerOf: PeerResolver;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly machine: ReachabilityMachine;
  private readonly subscription: Disposable;
  private readonly checkpointTimer: NodeJS.Timeout;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private pending: RecoveryRecord[] = [];
  private flushQueued = false;
  private writeFailing = false;
  private lastPurge = -Infinity;
  private disposed = false;

  /** Starts tracking from what `options.table` holds now. */
  constructor(options: RecoveryTrackerOptions) {
    this.table = options.table;
    this.store = options.store;
    this.peerOf = options.peerOf;
    this.now = options.now ?? Date.now;
    this.log = options.logger ?? createLogger({ scope: 'recovery' });
    this.recorded = new Emitter((error) =>
      this.log.error('A recovery listener failed', { error: String(error) }),
    );
    this.onDidRecord = this.recorded.event;
    this.machine = new ReachabilityMachine(options.rules);
    const at = this.now();
    this.run(() => snapshotOf(this.table, at, this.peerOf).flatMap((o) => this.machine.observe(o)));
    this.subscription = this.table.onDidChange((update) => {
      const observations = observationsOf(this.table, update, this.now(), this.peerOf);
      this.run(() => observations.flatMap((o) => this.machine.observe(o)));
    });
    this.checkpointTimer = setInterval(() => this.checkpoint(), CHECKPOINT_INTERVAL_MS);
    this.checkpointTimer.unref();
    this.checkpoint();
  }

  /** Takes the result of an active probe (ignored for a prefix not tracked, or while paused). */
  probe(result: ProbeResult): void {
    const at = result.at ?? this.now();
    this.run(() => this.machine.observe({ kind: 'probe', at, prefix: result.prefix, ok: result.ok }));
  }

  /** Starts a suspend period now: time counts as neither up nor down until {@link resume}. */
  pause(reason: string): void {
    this.run(() => this.machine.pause(this.now(), reason));
  }

  /** Ends the suspend period now; destinations without a usable route get the usual settle window. */
  resume(): void {
    this.run(() => this.machine.resume(this.now()));
  }

  /** Stops tracking a destination that left the mesh. */
  forget(prefix: string): void {
    this.run(() => this.machine.forget(this.now(), prefix));
  }

  /** History for `query` (see {@link RecoveryStore.history}), including what was just recorded. */
  history(query: RecoveryQueryT): RecoveryHistoryT {
    this.flush();
    return this.store.history(query, this.now());
  }

  /** Recovery-time distribution for `query` (see {@link RecoveryStore.distribution}). */
  distribution(query: RecoveryQueryT): RecoveryDistributionT {
    this.flush();
    return this.store.distribution(query, this.now());
  }

  /**
   * Stops watching and timers, ends open outages and measurements as `stopped`, writes what is
   * pending and drops the listeners. The store stays open for queries; its owner closes it.
   */
  dispose(): void {
    if (this.disposed) return;
    this.run(() => this.machine.stop(this.now()));
    this.disposed = true;
    this.subscription.dispose();
    clearInterval(this.checkpointTimer);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.checkpoint();
    this.recorded.dispose();
  }

  /** Feeds the machine, queues what it records and re-arms the deadline timer. */
  private run(step: () => RecoveryRecord[]): void {
    if (this.disposed) return;
    const records = step();
    if (records.length > 0) {
      this.pending.push(...records);
      if (!this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(() => this.flush());
      }
    }
    this.armDeadline();
  }

  private armDeadline(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
    const deadline = this.machine.nextDeadline();
    if (deadline === null) return;
    this.deadlineTimer = setTimeout(
      () => this.run(() => this.machine.tick(this.now())),
      Math.max(0, deadline - this.now()),
    );
  }

  /** Writes the queued records in one transaction, then fires their events. */
  private flush(): void {
    this.flushQueued = false;
    const records = this.pending;
    if (records.length === 0) return;
    try {
      this.store.write(records);
    } catch (error) {
      if (records.length > MAX_UNWRITTEN) {
        this.pending = [];
        this.log.error('Dropped recovery records the DB would not take', { count: records.length });
      } else if (!this.writeFailing) {
        this.log.error('Cannot store recovery records; will retry', { error: String(error) });
      }
      this.writeFailing = true;
      return;
    }
    this.pending = [];
    if (this.writeFailing) this.log.info('Stored delayed recovery records', { count: records.length });
    this.writeFailing = false;
    for (const record of records) {
      if (record.type !== 'event') continue;
      const { kind, peer, detail, outageMs } = record.event;
      const fields = { detail, outageMs: outageMs ?? undefined };
      if (peer === null) this.log.info(`Mesh ${kind.replace('-', ' ')}`, fields);
      else this.log.debug(`Recovery: ${kind.replace('-', ' ')}`, { peer, ...fields });
      this.recorded.fire(record.event);
    }
  }

  private checkpoint(): void {
    this.flush();
    const now = this.now();
    try {
      this.store.checkpoint(now);
    } catch (error) {
      this.log.error('Could not write the recovery checkpoint', { error: String(error) });
    }
    if (this.disposed || now - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = now;
    const before = now - RETENTION_MS;
    this.log
      .step('Purging recovery history older than 30 days', () => this.store.purge(before), { before })
      .catch(() => undefined);
  }
}

/**
 * Everything the running node asks of the registry, through the registry client: the newest
 * signed network config, the revocation list, announcing our address record, and bootstrap
 * records (verified before they reach the peer DB). Each call updates the registry's
 * reachability for the status; a failure is logged and returns null, never throws, because a
 * node keeps going with what it knows when the registry is away.
 */
import type { NetworkConfigT } from '../../registry/network-config';
import type { EndpointT } from '../../registry/protocol';
import type { Logger } from '../log';
import type { PeerDb } from '../peers/peer-db';
import { verifyAddressRecords } from '../peers/verify';
import type { RegistryClient } from '../registry-client/client';
import { refreshNetworkConfig } from '../registry-client/network-config';
import { writeStateFile } from '../registry-client/state-dir';
import { NODE_FILES, type NodeState } from './node-state';
import type { Counters, RegistryReachability } from './status';

/** Records asked of the registry per bootstrap. */
export const BOOTSTRAP_COUNT = 32;

/** The node's side of the registry. */
export class RegistrySync {
  /** The registry's reachability, as the status shows it. */
  readonly reachability: RegistryReachability;

  /** Creates the sync for the node in `state`. */
  constructor(
    private readonly state: NodeState,
    private readonly client: RegistryClient,
    private readonly peers: Pick<PeerDb, 'upsertMany'>,
    private readonly counters: Counters,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.reachability = { url: state.registryUrl, reachable: null, checkedAt: null, lastError: null };
  }

  private async call<T>(what: string, action: () => Promise<T>): Promise<T | null> {
    try {
      const result = await this.logger.step(what, action);
      Object.assign(this.reachability, { reachable: true, checkedAt: this.now(), lastError: null });
      return result;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const code = (err as { code?: unknown }).code;
      const unreachable = code === 'unreachable' || code === 'timeout';
      Object.assign(this.reachability, {
        reachable: !unreachable,
        checkedAt: this.now(),
        lastError: message,
      });
      return null;
    }
  }

  /** Fetches, verifies and stores the newest network config; null when it could not. */
  refreshConfig(): Promise<NetworkConfigT | null> {
    return this.call('Fetching the network config', () =>
      refreshNetworkConfig(this.client, this.state.dir, this.state.caPem),
    );
  }

  /** Fetches the revocation list and keeps a copy in the state directory; null when it could not. */
  fetchCrl(): Promise<string | null> {
    return this.call('Fetching the revocation list', async () => {
      const { crl } = await this.client.fetchCrl();
      writeStateFile(this.state.dir, NODE_FILES.crl, crl);
      return crl;
    });
  }

  /** Publishes our address record; true when the registry stored it. */
  async announce(endpoints: EndpointT[]): Promise<boolean> {
    const done = await this.call('Announcing our address record', async () => {
      await this.client.announce(
        { certPem: this.state.certPem, privateKeyPem: this.state.keyPem },
        this.state.prefix,
        endpoints,
      );
      return true;
    });
    if (done) this.counters.announces += 1;
    return done === true;
  }

  /** Asks for peer records, verifies them and stores the good ones; returns how many were new or newer. */
  async bootstrap(): Promise<number | null> {
    const envelopes = await this.call('Bootstrapping from the registry', () =>
      this.client.bootstrap(
        { certPem: this.state.certPem, privateKeyPem: this.state.keyPem },
        BOOTSTRAP_COUNT,
      ),
    );
    if (envelopes === null) return null;
    this.counters.bootstraps += 1;
    const verified = verifyAddressRecords(this.state.caPem, envelopes, this.state.prefix, this.now());
    this.counters.recordsRejected += verified.rejected;
    const { outcomes } = this.peers.upsertMany(verified.records);
    const learned = outcomes.filter((o) => o === 'inserted' || o === 'updated').length;
    this.counters.recordsLearned += learned;
    this.logger.info('Bootstrap records', {
      received: envelopes.length,
      learned,
      rejected: verified.rejected || undefined,
    });
    return learned;
  }
}

/**
 * The node engine: one running member of the mesh, headless. {@link NodeEngine.start} loads the
 * state directory, opens the peer DB, brings the helper to the wanted state (credentials and
 * revocation list, node address and `unreachable` network route, the UDP listener, babeld on
 * every tunnel device), starts the babel monitor, the peer exchange service, the probe responder
 * and the control socket, announces to the registry and bootstraps from it, and then runs the
 * loop: the tunnel manager ticks every {@link TICK_MS}, and periodic jobs announce, bootstrap
 * while few peers are known, exchange peers with the tunnel peers, and keep the peer DB clean.
 * Once a hello interval it probes each tunnel peer over the overlay (reachability-probes.ts) and
 * reports the outcomes as {@link NodeEngine.onDidProbe}, for the recovery tracker.
 *
 * Without the registry the node starts from its stored config, revocation list and peer DB.
 * When the helper restarts (it cleans up after itself), the engine restores the helper state
 * and reopens tunnels. {@link NodeEngine.stop} drains and closes every tunnel, then stops babeld
 * and the listener and removes the node address through the helper.
 */
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import type { HelperSnapshotT } from '../../../helper/protocol';
import type { NetworkConfigT, NetworkParametersT } from '../../registry/network-config';
import type { EndpointT, SignedEnvelopeT } from '../../registry/protocol';
import { Emitter, type Event } from '../babel/emitter';
import type { RoutingTable } from '../babel/routing-table';
import { ExchangeServer } from '../exchange/server';
import { EXCHANGE_PORT } from '../exchange/messages';
import { NeighbourKnowledge } from '../exchange/knowledge';
import { HelperClient } from '../helper-client/client';
import type { Logger } from '../log';
import { PeerDb } from '../peers/peer-db';
import type { Peer } from '../peers/peer-record';
import type { ProbeResult } from '../recovery';
import { RegistryClient } from '../registry-client/client';
import { readStateFile } from '../registry-client/state-dir';
import { BabelMonitor } from './babel-monitor';
import { ControlServer } from './control-server';
import { HelperTunnels, tunnelLinkType } from './helper-tunnels';
import { TunnelListener } from './listener';
import { NodeJobs } from './node-jobs';
import { loadNodeState, NODE_FILES, type NodeState } from './node-state';
import { nodeAddress } from './addressing';
import { ownAddressRecord } from './own-record';
import { probePort, probeRtt, ProbeResponder } from './probe';
import { probePeriodMs, ReachabilityProber, type ProbeTarget } from './reachability-probes';
import { RegistrySync } from './registry-sync';
import { reverifyTunnels } from './resume-check';
import { zeroCounters, type NodeStatus } from './status';
import { TunnelManager } from './tunnel-manager';
import { advertisableAddresses, listenerEndpoints, machineAddresses } from './underlay';

/** The OpenVPN listener's default UDP port. */
export const DEFAULT_LISTEN_PORT = 1194;
/** Period of the tunnel manager's tick. */
export const TICK_MS = 1_000;
/** Deadline of each registry call made by a running node. */
export const REGISTRY_TIMEOUT_MS = 5_000;
/** How long the engine waits for the helper socket at start. */
export const HELPER_CONNECT_DEADLINE_MS = 10_000;
/** Pause between two shutdown ticks while tunnels drain. */
const SHUTDOWN_TICK_MS = 200;

/** How to run a node. */
export interface NodeOptions {
  /** The state directory written by `vifibnet node enroll`. */
  stateDir: string;
  /** The helper's socket. */
  helperSocket: string;
  /** UDP port of the tunnel listener (the probe echo uses the next one). */
  listenPort: number;
  /** Underlay addresses to advertise; empty to detect them. */
  underlayAddresses: readonly string[];
  /** Root logger. */
  logger: Logger;
  /**
   * This machine's own values of some network parameters (the desktop app's settings), applied
   * over the registry's signed config at start; the registry's values otherwise.
   */
  tuning?: Partial<NetworkParametersT>;
  /** The registry to use instead of the one in `node.json` (the desktop app's setting). */
  registryUrl?: string;
}

/** Babel settings {@link NodeEngine.configureBabel} changes on a running node. */
export interface BabelTuning {
  /** Hello interval, s. */
  helloInterval: number;
  /** Whether tunnels run in babel's wireless mode. */
  wireless: boolean;
}

/** Tunnel settings {@link NodeEngine.configureTunnels} changes on a running node. */
export type TunnelSettings = Pick<NetworkParametersT, 'clientCount' | 'maxClients' | 'tunnelRefreshInterval'>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Probes `peer` at its first advertised address (the echo port beside its tunnel port). */
function probePeer(peer: Peer): Promise<number | null> {
  const address = peer.addresses[0]!;
  return probeRtt(address.host, probePort(address.port));
}

/** Where `peer` answers probes on the overlay: its node address, at the echo port of its listener. */
function overlayTarget(peer: Peer): ProbeTarget {
  return { host: nodeAddress(peer.prefix), port: probePort(peer.addresses[0]!.port) };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function connectHelper(path: string, logger: Logger): Promise<HelperClient> {
  const deadline = Date.now() + HELPER_CONNECT_DEADLINE_MS;
  for (;;) {
    try {
      return await HelperClient.connect(path, { logger: logger.child('helper-client') });
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await sleep(250);
    }
  }
}

/** A running node. */
export class NodeEngine {
  private readonly log: Logger;
  private readonly counters = zeroCounters();
  private readonly knowledge = new NeighbourKnowledge();
  private readonly startedAt = Date.now();
  private readonly monitor: BabelMonitor;
  private readonly sync: RegistrySync;
  private readonly listener: TunnelListener;
  private readonly probed = new Emitter<ProbeResult>();
  private config: NetworkConfigT;
  private helper: HelperClient | null = null;
  private jobs: NodeJobs | null = null;
  private tunnels: HelperTunnels | null = null;
  private manager: TunnelManager | null = null;
  private exchange: ExchangeServer | null = null;
  private responder: ProbeResponder | null = null;
  private control: ControlServer | null = null;
  private prober: ReachabilityProber | null = null;
  private endpoints: EndpointT[] = [];
  private ownRecord: SignedEnvelopeT | null = null;
  private crlPem: string | null;
  private ready = false;
  private stopped = false;
  private restoring = false;
  private verifying = false;
  private timer: NodeJS.Timeout | null = null;
  private cycle: Promise<void> = Promise.resolve();
  private verification: Promise<void> = Promise.resolve();
  private lastTunnelPeers = '';
  private paused = false;

  /**
   * Fires with the outcome of each overlay probe of a tunnel peer that counts (reachability-probes.ts:
   * once the peer answered one, never across a pause), timed at its send.
   */
  readonly onDidProbe: Event<ProbeResult> = this.probed.event;

  private constructor(
    private readonly options: NodeOptions,
    private readonly state: NodeState,
    private readonly peers: PeerDb,
  ) {
    this.log = options.logger;
    this.config = { ...state.config, ...options.tuning };
    this.crlPem = readStateFile(state.dir, NODE_FILES.crl) ?? null;
    this.monitor = new BabelMonitor(this.log.child('babel'));
    this.listener = new TunnelListener((maxClients) => this.listen(maxClients), this.log.child('listener'));
    const registry = new RegistryClient(state.registryUrl, REGISTRY_TIMEOUT_MS);
    this.sync = new RegistrySync(state, registry, peers, this.counters, this.log.child('registry'));
  }

  /** Starts a node; resolves once the first setup is done (the node is ready). */
  static async start(options: NodeOptions): Promise<NodeEngine> {
    const loaded = loadNodeState(options.stateDir);
    const state = { ...loaded, registryUrl: options.registryUrl ?? loaded.registryUrl };
    const peers = await PeerDb.open(join(state.dir, NODE_FILES.peers), {
      logger: options.logger.child('peers'),
    });
    const engine = new NodeEngine(options, state, peers);
    try {
      await engine.setUp();
    } catch (err) {
      await engine.stop();
      throw err;
    }
    return engine;
  }

  /**
   * Replaces the outgoing tunnel to `target` (peer prefix or device) at the next tick, as a
   * refresh would; returns its device (the control socket's `rotate`). Throws when there is none.
   */
  rotate(target: string): string {
    if (!this.manager || this.stopped) throw new Error('the node is not running');
    return this.manager.requestRotation(target);
  }

  /** The babel routing table the node follows (null before babeld's socket is known). */
  babelTable(): RoutingTable | null {
    return this.monitor.table;
  }

  /** True while the helper connection is up. */
  get helperConnected(): boolean {
    return this.helper?.connected ?? false;
  }

  /**
   * Applies a new hello interval and link mode to babeld on every tunnel device through the
   * helper's `babel.configure`, which restarts babeld with them (babeld 1.12 applies interface
   * settings only at start): every tunnel stays up, routes through this node pause ≈ 1 s.
   * Tunnels opened later use them too, and drains are timed by the new interval.
   * Throws when the node is not running.
   */
  async configureBabel(tuning: BabelTuning): Promise<void> {
    const { tunnels, manager } = this;
    if (!tunnels || !manager || this.stopped) throw new Error('the node is not running');
    const helloInterval = tuning.helloInterval;
    this.config = { ...this.config, helloInterval, wirelessDefault: tuning.wireless };
    await tunnels.setBabel(
      { helloInterval, linkType: tunnelLinkType(tuning.wireless) },
      manager.clientDevices(),
    );
    this.tuneManager();
  }

  /**
   * Applies new tunnel counts and refresh period without dropping the mesh: the tunnel manager
   * decides with them from its next tick (surplus tunnels drain gracefully, missing ones open, the
   * next refresh falls one new period after the last), bootstrap aims at the new count, and the
   * listener takes the new `max-clients` as listener.ts explains (at once while no incoming tunnel
   * exists, otherwise at its next start). Throws when the node is not running.
   */
  async configureTunnels(settings: TunnelSettings): Promise<void> {
    if (!this.manager || this.stopped) throw new Error('the node is not running');
    this.config = { ...this.config, ...settings };
    // without the helper (or while it is restored) the listener starts with the new value anyway
    const listener =
      this.helper?.connected && !this.restoring
        ? await this.listener.change(settings.maxClients, this.monitor.incoming().length)
        : this.listener.maxClients === settings.maxClients
          ? 'unchanged'
          : 'deferred';
    this.tuneManager();
    this.log.info('Tunnel settings applied', { ...settings, listener });
  }

  /** Hands the tunnel manager the current settings (the listener caps `maxClients`). */
  private tuneManager(): void {
    const { config } = this;
    this.manager?.configure({
      clientCount: config.clientCount,
      maxClients: this.listener.cap(config.maxClients),
      refreshMs: config.tunnelRefreshInterval * 1000,
      helloIntervalS: config.helloInterval,
    });
  }

  /**
   * Starts a planned pause (the machine is about to sleep): the tunnel manager stops ticking, so
   * no tunnel is judged or replaced while timers are unreliable. Periodic jobs go on.
   */
  pause(): void {
    this.paused = true;
    this.prober?.pause();
  }

  /**
   * Ends the pause and re-verifies every tunnel at once instead of waiting for timers that slept
   * (resume-check.ts, logged as the step "Re-verifying tunnels after resume"); no tick runs
   * meanwhile. Without the helper connection its reconnection reconciles instead.
   */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.prober?.resume();
    this.verification = this.verifyAfterResume();
  }

  private async verifyAfterResume(): Promise<void> {
    const { helper, manager } = this;
    // without the helper there is nothing to ask: its reconnection restores and reconciles
    if (this.stopped || this.restoring || !helper?.connected || !manager) return;
    this.verifying = true;
    try {
      await this.cycle;
      await reverifyTunnels({
        manager,
        helperClients: async () =>
          (await this.readHelperStatus(helper)).openvpn.filter((o) => o.role === 'client'),
        probe: (prefix) => {
          const peer = this.peers.get(prefix);
          return peer ? probePeer(peer) : Promise.resolve(null);
        },
        logger: this.log,
      });
    } catch {
      // the step logged the failure; the next tick goes on as usual
    } finally {
      this.verifying = false;
    }
  }

  /** The node's status, as the control socket serves it. */
  status(): NodeStatus {
    const counts = this.peers.counts();
    return {
      node: {
        name: this.state.name,
        prefix: this.state.prefix,
        address: this.state.address,
        networkPrefix: this.config.networkPrefix,
      },
      startedAt: this.startedAt,
      ready: this.ready,
      tunnels: this.manager?.tunnels() ?? [],
      peers: { known: counts.total, alive: counts.live, dead: counts.dead },
      registry: { ...this.sync.reachability },
      counters: { ...this.counters },
    };
  }

  private async setUp(): Promise<void> {
    const [config, crl] = await Promise.all([this.sync.refreshConfig(), this.sync.fetchCrl()]);
    if (config) this.config = { ...config, ...this.options.tuning };
    if (crl) this.crlPem = crl;
    const helper = await this.log.step('Connecting to the helper', () =>
      connectHelper(this.options.helperSocket, this.log),
    );
    this.helper = helper;
    await this.configureHelper(helper);
    const snapshot = helper.snapshot;
    const tunnels = new HelperTunnels(helper, {
      helloInterval: this.config.helloInterval,
      linkType: tunnelLinkType(this.config.wirelessDefault),
      redistribute: this.state.prefix,
      listenerDevices: [this.listener.device!],
    });
    this.tunnels = tunnels;
    const manager = this.createManager(tunnels);
    this.manager = manager;
    helper.onEvent((event) => {
      if (event.event === 'tunnel.up') manager.markUp(event.data.device);
      else if (event.event === 'tunnel.down') manager.markDown(event.data.device);
    });
    manager.adopt(
      (snapshot?.openvpn ?? []).filter((o) => o.role === 'client'),
      snapshot?.babel?.drained ?? [],
    );
    await this.log.step('Starting babeld on the tunnel devices', () =>
      tunnels.setClientDevices(manager.clientDevices()),
    );
    await this.attachMonitor(helper);
    helper.onConnectionChange((change) => {
      if (change.state === 'connected') void this.restoreHelper(change.snapshot);
    });
    await this.startServices();
    await this.startJobs();
    this.startProber(manager);
    this.ready = true;
    this.schedule(0);
  }

  private createManager(tunnels: HelperTunnels): TunnelManager {
    return new TunnelManager({
      ourPrefix: this.state.prefix,
      clientCount: this.config.clientCount,
      maxClients: this.listener.cap(this.config.maxClients),
      refreshMs: this.config.tunnelRefreshInterval * 1000,
      helloIntervalS: this.config.helloInterval,
      helper: tunnels,
      links: this.monitor,
      peers: this.peers,
      probe: probePeer,
      neighbourTunnelPeers: () => this.knowledge.tunnelPeers(Date.now()),
      fullPeers: () => this.knowledge.fullPeers(Date.now()),
      now: Date.now,
      seed: () => randomInt(2 ** 31),
      counters: this.counters,
      logger: this.log.child('tunnels'),
    });
  }

  /** Starts probing the tunnel peers over the overlay, once a hello interval. */
  private startProber(manager: TunnelManager): void {
    const prober = new ReachabilityProber({
      tunnelPeers: () => manager.tunnelPeers(),
      targetOf: (prefix) => {
        const peer = this.peers.get(prefix);
        return peer ? overlayTarget(peer) : null;
      },
      probe: (target, timeoutMs) => probeRtt(target.host, target.port, timeoutMs),
      periodMs: () => probePeriodMs(this.config.helloInterval),
      onResult: (result) => this.probed.fire(result),
      now: Date.now,
    });
    if (this.paused) prober.pause();
    prober.start();
    this.prober = prober;
  }

  /** Credentials, revocation list, node address and route, listener: the helper's base state. */
  private async configureHelper(helper: HelperClient): Promise<void> {
    const { state, config } = this;
    await helper.call('network.configure', {
      networkPrefix: config.networkPrefix,
      nodePrefix: state.prefix,
      address: state.address,
    });
    await helper.call('credentials.install', { ca: state.caPem, cert: state.certPem, key: state.keyPem });
    if (this.crlPem) await this.installCrl(helper, this.crlPem);
    await this.listener.start(config.maxClients);
    this.tuneManager();
  }

  /** The helper's `openvpn.listen` (UDP, our port) with `maxClients`; resolves with the device. */
  private async listen(maxClients: number): Promise<string> {
    if (!this.helper) throw new Error('the helper is not connected');
    const { device } = await this.helper.call('openvpn.listen', {
      protocol: 'udp',
      port: this.options.listenPort,
      maxClients,
    });
    return device;
  }

  private async installCrl(helper: HelperClient, crl: string): Promise<void> {
    try {
      await helper.call('credentials.setCrl', { crl });
    } catch (err) {
      this.log.warn('The helper refused the revocation list', { error: errorText(err) });
    }
  }

  private async attachMonitor(helper: HelperClient): Promise<void> {
    await this.readHelperStatus(helper);
  }

  /** The helper's status now; the babel monitor follows the babeld socket it reports. */
  private async readHelperStatus(helper: HelperClient): Promise<HelperSnapshotT> {
    const status = await helper.call('status', {});
    if (status.babelSocket) this.monitor.attach(status.babelSocket, [this.listener.device!]);
    else this.log.warn('The helper reports no babeld socket; tunnels will show no routes');
    return status;
  }

  /** After the helper restarted (it cleaned up after itself): set everything up again. */
  private async restoreHelper(snapshot: HelperSnapshotT): Promise<void> {
    const { helper, tunnels, manager } = this;
    if (this.stopped || !helper || !tunnels || !manager) return;
    this.restoring = true;
    await Promise.all([this.cycle, this.verification]);
    try {
      await this.log.step('Restoring the helper state after a reconnection', async () => {
        const clients = snapshot.openvpn.filter((o) => o.role === 'client').map((o) => o.device);
        manager.forgetMissing(new Set(clients));
        await this.configureHelper(helper);
        await tunnels.setClientDevices(manager.clientDevices());
        await this.attachMonitor(helper);
      });
    } catch (err) {
      this.log.error('Could not restore the helper state; retrying at the next reconnection', {
        error: errorText(err),
      });
    } finally {
      this.restoring = false;
    }
  }

  private async startServices(): Promise<void> {
    const { state } = this;
    const addresses = this.options.underlayAddresses.length
      ? [...this.options.underlayAddresses]
      : advertisableAddresses(machineAddresses(), this.config.networkPrefix);
    this.endpoints = listenerEndpoints(addresses, this.options.listenPort);
    if (this.endpoints.length) this.ownRecord = ownAddressRecord(state, this.endpoints, Date.now());
    else this.log.warn('No underlay address to advertise: peers cannot open tunnels to this node');
    this.exchange = await this.log.step(
      'Starting the peer exchange service',
      () =>
        ExchangeServer.start(
          state.address,
          EXCHANGE_PORT,
          {
            prefix: state.prefix,
            full: () => this.manager?.full ?? false,
            records: (count) => this.knownRecords(count),
            tunnelPeers: () => this.manager?.tunnelPeers() ?? [],
          },
          this.log.child('exchange'),
        ),
      { address: `[${state.address}]:${EXCHANGE_PORT}` },
    );
    this.responder = await ProbeResponder.start(probePort(this.options.listenPort));
    this.control = await ControlServer.start(join(state.dir, NODE_FILES.control), {
      status: () => this.status(),
      rotate: (target) => this.rotate(target),
    });
  }

  private knownRecords(count: number): SignedEnvelopeT[] {
    const others = this.peers
      .candidates([this.state.prefix], count)
      .map((p) => JSON.parse(p.recordJson) as SignedEnvelopeT);
    return (this.ownRecord ? [this.ownRecord, ...others] : others).slice(0, count);
  }

  /** Creates the periodic jobs; the first announce and bootstrap run now, before the node is ready. */
  private async startJobs(): Promise<void> {
    const jobs = new NodeJobs({
      state: this.state,
      peers: this.peers,
      sync: this.sync,
      knowledge: this.knowledge,
      counters: this.counters,
      logger: this.log,
      clientCount: () => this.config.clientCount,
      endpoints: this.endpoints,
      tunnelPeers: () => this.manager?.tunnelPeers() ?? [],
      crl: () => this.crlPem,
      installCrl: async (crl) => {
        this.crlPem = crl;
        if (this.helper?.connected) await this.installCrl(this.helper, crl);
      },
    });
    this.jobs = jobs;
    const now = Date.now();
    jobs.announce.poll(now);
    await jobs.announce.settled();
    jobs.bootstrap.poll(now);
    await jobs.bootstrap.settled();
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.cycle = this.runCycle().finally(() => {
        if (!this.stopped) this.schedule(TICK_MS);
      });
    }, delay);
  }

  private async runCycle(): Promise<void> {
    const manager = this.manager!;
    // without the helper (or while its state is restored) a failed open is not the peer's fault
    if (this.helper?.connected && !this.restoring && !this.paused && !this.verifying) {
      try {
        await manager.tick();
      } catch (err) {
        this.log.warn('Tunnel manager tick failed', { error: errorText(err) });
      }
    }
    const tunnelPeers = manager.tunnelPeers().sort().join(' ');
    if (tunnelPeers !== this.lastTunnelPeers) {
      this.lastTunnelPeers = tunnelPeers;
      this.jobs?.exchange.runSoon();
    }
    const now = Date.now();
    for (const job of this.jobs?.all ?? []) job.poll(now);
  }

  private async safely(what: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await this.log.step(what, action);
    } catch {
      // the step logged the failure; shutdown goes on with the next part
    }
  }

  /** Drains and closes every tunnel, then stops babeld and the listener and clears the address. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.prober?.dispose();
    this.probed.dispose();
    await Promise.all([this.cycle, this.verification]);
    const { manager, helper } = this;
    if (manager && helper?.connected) {
      await this.safely('Closing tunnels', async () => {
        manager.beginShutdown();
        for (;;) {
          await manager.tick();
          if (manager.idle) return;
          await sleep(SHUTDOWN_TICK_MS);
        }
      });
    }
    await Promise.all((this.jobs?.all ?? []).map((job) => job.settled()));
    if (helper?.connected) {
      await this.safely('Stopping babeld and the listener', async () => {
        await helper.call('babel.stop', {});
        await helper.call('openvpn.unlisten', { protocol: 'udp' });
        await helper.call('network.clear', {});
      });
    }
    this.monitor.detach();
    await Promise.all([this.exchange?.close(), this.responder?.close(), this.control?.close()]);
    await helper?.dispose();
    this.peers.close();
  }
}

/**
 * The tunnel manager: keeps `clientCount` outgoing tunnels by carrying out the pure selection
 * policy (app/core/selection), and tracks the incoming ones the babel monitor sees on the
 * listener. All of its timing lives in {@link TunnelManager.tick}, driven by the caller's clock,
 * so its decisions can be tested with a fake clock and the real policy.
 *
 * At every tick:
 * 1. route count and RTT of every tunnel are refreshed from the babel monitor (the RTT falls
 *    back to our last probe of the peer when babel has none);
 * 2. a tunnel that did not come up within {@link UP_DEADLINE_MS}, or whose session stayed down
 *    that long after being up, is closed and counted as a failure of the peer in the peer DB
 *    (a tunnel that comes up counts as a success);
 * 3. a draining tunnel is closed once no babel route of ours uses it and the grace period
 *    ({@link drainGraceMs}) has passed, or at the drain deadline ({@link drainDeadlineMs});
 * 4. a tunnel being replaced starts draining once babel routes over its replacement (the
 *    replacement carries an installed route), or when the replacement has been up for the drain
 *    deadline without one: never while only the OpenVPN session is up;
 * 5. a pending {@link TunnelManager.requestRotation} opens a replacement for that tunnel (the
 *    policy fills the slot as if it were empty, the peer of the rotated tunnel excluded), else the
 *    policy decides; candidates it needs RTTs of are probed and it decides again with the same
 *    seed; its drains start at once, except for replaced tunnels (step 4); its opens start.
 *
 * Draining (graceful removal): the helper's `babel.drain` adds a fixed metric to the routes
 * learnt over the tunnel and announced on it, without flushing the neighbour, so both ends move
 * their traffic to other paths while the link stays up. The tunnel is closed once no route of
 * ours uses it, the far end announces nothing back through it at the drain metric (best effort:
 * babeld stores such an update only if it has an entry for it), and the grace period
 * (drain-timing.ts), by which the far end has switched too, has passed. A drain is final: babeld keeps the
 * filters until it restarts, so every tunnel gets a fresh device name (addressing.clientDevice)
 * and a drained name is never used again by this process (nor, from the helper's snapshot, after
 * a restart).
 *
 * Incoming tunnels cannot be closed one by one (one tap server carries them all): a policy drain
 * of one is left to the other end, which reaches the same decision (duplicates are settled by
 * both ends alike, see selection/hygiene.ts); the listener's `max-clients` holds the count.
 */
import type { Peer, PeerAddressT } from '../peers/peer-record';
import { EXPLORER_SLOTS, selectTunnels } from '../selection/policy';
import type {
  IncomingTunnel,
  OpenAction,
  OutgoingTunnel as PolicyOutgoingTunnel,
  PeerInfo,
  SelectionInput,
  SlotKind,
} from '../selection/types';
import {
  CLIENT_DEVICE_INSTANCES,
  CLIENT_DEVICE_PREFIX,
  clientDevice,
  peerName,
  prefixOfName,
} from './addressing';
import { formatPrefix, parsePrefix } from '../../registry/ipv6';
import { CandidateRtts } from './candidate-rtts';
import { drainDeadlineMs, drainGraceMs } from './drain-timing';
import { Outcome, type OutgoingTunnel, type TunnelDrainReason } from './outgoing-tunnel';
import type { TunnelStatus } from './status';
import type { IncomingLink, TunnelManagerOptions, TunnelTuning } from './tunnel-ports';

/** A tunnel that is not up this long after it was opened (or after its session went down) fails. */
export const UP_DEADLINE_MS = 15_000;

/** Most peers handed to the policy per decision (the most promising first). */
export const MAX_SELECTION_PEERS = 500;

/** The address to try: rotated by the peer's failures, so a stale first address is not retried forever. */
function addressFor(peer: Peer): PeerAddressT {
  return peer.addresses[peer.consecutiveFailures % peer.addresses.length]!;
}

/** Keeps the outgoing tunnels; see the module description. */
export class TunnelManager {
  private readonly outgoing = new Map<string, OutgoingTunnel>();
  private incomingLinks: IncomingLink[] = [];
  private readonly incomingSince = new Map<string, number>();
  private readonly rtts = new CandidateRtts();
  /** Device names drained while babeld may still hold their filters: never used again. */
  private readonly retired = new Set<string>();
  private pendingRotation: string | null = null;
  private lastRefreshAt: number;
  private stopping = false;

  /** Creates the manager; the first refresh period starts now. */
  constructor(private o: TunnelManagerOptions) {
    this.lastRefreshAt = o.now();
  }

  /**
   * Takes new settings on the running manager, without touching a tunnel: the next decision
   * (the next tick) works with them, so a smaller `clientCount` drains the surplus tunnels the
   * policy ranks least useful (gracefully, as any drain) and a larger one opens more; the next
   * refresh falls `refreshMs` after the last one (at once when that has passed); `maxClients`
   * sets the full flag; the hello interval times the drains.
   */
  configure(tuning: TunnelTuning): void {
    this.o = { ...this.o, ...tuning };
  }

  /** True once shutdown began and every outgoing tunnel is closed. */
  get idle(): boolean {
    return this.stopping && this.outgoing.size === 0;
  }

  /** True when incoming tunnels reached `maxClients` (the "full" flag peers are told). */
  get full(): boolean {
    return this.incomingLinks.length >= this.o.maxClients;
  }

  /**
   * Prefixes of the peers we have a working tunnel with, either direction: up and carrying a
   * route (so the peer is reachable through it).
   */
  tunnelPeers(): string[] {
    const out = [...this.outgoing.values()]
      .filter((t) => t.state === 'up' && t.routeCount > 0)
      .map((t) => t.prefix);
    return [...new Set([...out, ...this.incomingLinks.map((l) => l.prefix)])];
  }

  /** Devices of the outgoing tunnels (babeld runs on them). */
  clientDevices(): string[] {
    return [...this.outgoing.keys()].sort();
  }

  /** Every tunnel, for the status. */
  tunnels(): TunnelStatus[] {
    const out = [...this.outgoing.values()].map((t): TunnelStatus => ({
      peer: t.peer,
      prefix: t.prefix,
      direction: 'outgoing',
      device: t.device,
      slot: t.slot,
      state: t.state,
      routes: t.routeCount,
      rttMs: t.rttMs,
      since: t.openedAt,
    }));
    const inc = this.incomingLinks.map((l): TunnelStatus => ({
      peer: peerName(l.prefix),
      prefix: l.prefix,
      direction: 'incoming',
      device: l.device,
      slot: null,
      state: 'up',
      routes: l.routeCount,
      rttMs: l.rttMs ?? this.rtts.get(l.prefix, this.o.now()) ?? null,
      since: this.incomingSince.get(l.prefix) ?? this.o.now(),
    }));
    return [...out, ...inc];
  }

  /**
   * Takes over the client tunnels the helper already runs (after a restart of this process),
   * matched by the peer name the helper recorded: each becomes an outgoing tunnel, up or still
   * opening as the helper says. `retired` are the device names the helper's babeld holds drain
   * filters for: never reused, and a running tunnel among them resumes its drain.
   */
  adopt(
    clients: readonly { device: string; peerName?: string; up: boolean }[],
    retired: readonly string[] = [],
  ): void {
    for (const d of retired) this.retired.add(d);
    const now = this.o.now();
    for (const c of clients) {
      const prefix = c.peerName === undefined ? null : prefixOfName(c.peerName);
      if (prefix === null || this.outgoing.has(c.device) || !c.device.startsWith(CLIENT_DEVICE_PREFIX))
        continue;
      const t = this.track(prefix, this.freeSlot(), now, c.device);
      t.sessionUp = c.up;
      if (c.up) this.markUp(c.device);
      this.o.logger.info('Adopted a running tunnel', { peer: t.peer, device: t.device, up: c.up });
      if (this.retired.has(c.device)) this.startDrain(t, 'resumed');
    }
  }

  /**
   * Asks for the outgoing tunnel to `target` (a peer prefix or a device name) to be replaced at
   * the next tick, as a refresh would replace it: a new tunnel to another peer, then the drain of
   * this one once babel routes over the new one. Returns the device; throws when no such tunnel is
   * up or it is already being replaced.
   */
  requestRotation(target: string): string {
    const parsed = parsePrefix(target);
    const prefix = parsed ? formatPrefix(parsed) : null;
    const t = [...this.outgoing.values()].find((o) => o.device === target || o.prefix === prefix);
    if (!t || t.state !== 'up') throw new Error(`no outgoing tunnel to ${target} is up`);
    if (this.beingReplaced(t)) throw new Error(`the tunnel ${t.device} is already being replaced`);
    if (this.stopping) throw new Error('the node is stopping');
    this.pendingRotation = t.device;
    return t.device;
  }

  /** The helper reports the session of `device` up. */
  markUp(device: string): void {
    const t = this.outgoing.get(device);
    if (!t) return;
    t.sessionUp = true;
    t.downSince = null;
    if (t.state !== 'opening') return;
    t.state = 'up';
    t.upAt = this.o.now();
    this.o.counters.tunnelsUp += 1;
    this.o.peers.recordSuccess(t.prefix);
    t.opened.succeed();
  }

  /** The helper reports the session of `device` down. */
  markDown(device: string): void {
    const t = this.outgoing.get(device);
    if (!t) return;
    t.sessionUp = false;
    if ((t.state === 'up' || t.state === 'draining') && t.downSince === null) t.downSince = this.o.now();
  }

  /**
   * Closes the up tunnel `device` now as a session that went down and did not come back (a
   * failure of the peer), without waiting for {@link UP_DEADLINE_MS}: for a session known to be
   * lost, such as one that did not survive the machine's sleep. False when no such tunnel is up.
   * Must not overlap a tick.
   */
  async closeLostSession(device: string, reason: string): Promise<boolean> {
    const t = this.outgoing.get(device);
    if (t?.state !== 'up') return false;
    await this.fail(t, reason);
    return true;
  }

  /** Forgets tunnels the helper no longer runs (it restarted): not the peer's fault. */
  forgetMissing(present: ReadonlySet<string>): void {
    for (const t of [...this.outgoing.values()]) {
      if (present.has(t.device)) continue;
      this.outgoing.delete(t.device);
      t.opened.fail('the helper lost the tunnel');
      t.drained.succeed();
    }
  }

  /** Stops deciding and starts draining every outgoing tunnel; tick until {@link idle}. */
  beginShutdown(): void {
    this.stopping = true;
    for (const t of this.outgoing.values()) {
      if (t.state === 'draining') continue;
      if (t.state === 'opening') t.opened.fail('the node is stopping');
      this.startDrain(t, 'shutdown');
    }
  }

  /** One round of the loop; see the module description. Ticks must not overlap. */
  async tick(): Promise<void> {
    const now = this.o.now();
    this.refreshAttributes(now);
    await this.expire(now);
    await this.finishDrains(now);
    if (this.stopping) return;
    this.drainReplaced(now);
    const rotation = this.pendingRotation === null ? undefined : this.outgoing.get(this.pendingRotation);
    this.pendingRotation = null;
    if (rotation?.state === 'up' && !this.beingReplaced(rotation)) await this.rotate(rotation, now);
    else await this.decide(now);
  }

  private refreshAttributes(now: number): void {
    for (const t of this.outgoing.values()) {
      const link = this.o.links.device(t.device);
      t.routeCount = link?.routeCount ?? 0;
      t.rttMs = link?.rttMs ?? this.rtts.get(t.prefix, now) ?? null;
    }
    this.incomingLinks = this.o.links.incoming();
    const seen = new Set(this.incomingLinks.map((l) => l.prefix));
    for (const prefix of this.incomingSince.keys()) if (!seen.has(prefix)) this.incomingSince.delete(prefix);
    for (const prefix of seen) if (!this.incomingSince.has(prefix)) this.incomingSince.set(prefix, now);
  }

  private async expire(now: number): Promise<void> {
    for (const t of [...this.outgoing.values()]) {
      if (t.state === 'opening' && now - t.openedAt >= UP_DEADLINE_MS)
        await this.fail(t, `not up within ${UP_DEADLINE_MS / 1000} s`);
      else if (t.state === 'up' && t.downSince !== null && now - t.downSince >= UP_DEADLINE_MS)
        await this.fail(t, `session down for ${UP_DEADLINE_MS / 1000} s`);
    }
  }

  private async finishDrains(now: number): Promise<void> {
    const grace = drainGraceMs(this.o.helloIntervalS);
    const deadline = drainDeadlineMs(this.o.helloIntervalS);
    for (const t of [...this.outgoing.values()]) {
      if (t.state !== 'draining' || t.drainStartedAt === null) continue;
      const age = now - t.drainStartedAt;
      const farEnd = t.drainMetric === null ? 1 : this.o.links.routesThroughUs(t.device, t.drainMetric);
      const routesGone = t.routeCount === 0 && farEnd === 0;
      if (!(routesGone && age >= grace) && age < deadline) continue;
      if (t.downSince !== null) {
        // the peer went away while we drained: that is its failure, not a completed drain
        await this.fail(t, 'session down while draining');
        continue;
      }
      if (!routesGone)
        this.o.logger.info('Closing a drained tunnel that still carries routes', {
          peer: t.peer,
          routes: t.routeCount,
          farEndRoutes: farEnd,
        });
      this.outgoing.delete(t.device);
      this.o.counters.tunnelsDrained += 1;
      await this.disconnect(t);
      t.drained.succeed();
    }
  }

  private beingReplaced(t: OutgoingTunnel): boolean {
    return [...this.outgoing.values()].some((o) => o.replaces?.device === t.device);
  }

  private drainReplaced(now: number): void {
    const deadline = drainDeadlineMs(this.o.helloIntervalS);
    for (const t of this.outgoing.values()) {
      if (t.state !== 'up' || t.replaces === null || t.upAt === null) continue;
      const victim = this.outgoing.get(t.replaces.device);
      if (victim?.state === 'up') {
        if (t.routeCount === 0 && now - t.upAt < deadline) continue;
        if (t.routeCount === 0)
          this.o.logger.info(
            'Draining a replaced tunnel although babel routes nothing over its replacement',
            {
              peer: victim.peer,
              replacement: t.peer,
            },
          );
        this.startDrain(victim, t.replaces.reason);
      }
      t.replaces = null;
    }
  }

  /** Opens a replacement for `victim` the way a refresh would, decided as if its slot were empty. */
  private async rotate(victim: OutgoingTunnel, now: number): Promise<void> {
    const full = this.selectionInput(now);
    const input: SelectionInput = {
      ...full,
      peers: full.peers.filter((p) => p.prefix !== victim.prefix),
      tunnels: full.tunnels.filter((t) => t.id !== victim.device),
      refreshDue: false,
    };
    let decision = selectTunnels(input);
    if (decision.probe.length) {
      await this.probeAll(decision.probe);
      decision = selectTunnels({ ...input, candidateRtts: this.rtts.snapshot(this.o.now()) });
    }
    const [action] = decision.open;
    if (!action) {
      this.o.logger.warn('No peer to rotate a tunnel to; keeping it', { peer: victim.peer });
      return;
    }
    await this.open({ ...action, reason: 'replace', replaces: victim.device }, now, 'rotate');
  }

  private selectionInput(now: number): SelectionInput {
    const full = this.o.fullPeers();
    const ours = [...this.outgoing.values()].map((t): PolicyOutgoingTunnel => ({
      id: t.device,
      prefix: t.prefix,
      direction: 'outgoing',
      slot: t.slot,
      routeCount: t.routeCount,
      rttMs: t.rttMs,
      ageMs: now - t.openedAt,
      draining: t.state === 'draining' || this.beingReplaced(t),
    }));
    const theirs = this.incomingLinks.map((l): IncomingTunnel => ({
      id: `in:${l.prefix}`,
      prefix: l.prefix,
      direction: 'incoming',
      routeCount: l.routeCount,
      rttMs: l.rttMs,
      ageMs: now - (this.incomingSince.get(l.prefix) ?? now),
      draining: false,
    }));
    const peers = this.o.peers
      .candidates([this.o.ourPrefix], MAX_SELECTION_PEERS)
      .map((p): PeerInfo => ({ prefix: p.prefix, dead: p.dead, full: p.full || full.has(p.prefix) }));
    return {
      ourPrefix: this.o.ourPrefix,
      clientCount: this.o.clientCount,
      maxClients: this.o.maxClients,
      peers,
      tunnels: [...ours, ...theirs],
      refreshDue: now - this.lastRefreshAt >= this.o.refreshMs,
      neighbourTunnelPeers: this.o.neighbourTunnelPeers(),
      candidateRtts: this.rtts.snapshot(now),
      seed: this.o.seed(),
    };
  }

  private async decide(now: number): Promise<void> {
    const input = this.selectionInput(now);
    let decision = selectTunnels(input);
    if (decision.probe.length) {
      await this.probeAll(decision.probe);
      decision = selectTunnels({ ...input, candidateRtts: this.rtts.snapshot(this.o.now()) });
    }
    if (input.refreshDue) this.lastRefreshAt = now;
    const replaced = new Set(decision.open.flatMap((o) => (o.replaces === null ? [] : [o.replaces])));
    for (const d of decision.drain) {
      const t = this.outgoing.get(d.tunnelId);
      if (!t) {
        this.o.logger.debug('Leaving the drain of an incoming tunnel to its other end', {
          peer: peerName(d.prefix),
          reason: d.reason,
        });
      } else if (!replaced.has(d.tunnelId) && t.state !== 'draining') {
        this.startDrain(t, d.reason);
      }
    }
    for (const action of decision.open) await this.open(action, now);
  }

  private async probeAll(prefixes: readonly string[]): Promise<void> {
    await Promise.all(
      prefixes.map(async (prefix) => {
        const peer = this.o.peers.get(prefix);
        if (!peer) return;
        this.o.counters.probesSent += 1;
        const rtt = await this.o.probe(peer);
        if (rtt !== null) this.o.counters.probesAnswered += 1;
        this.rtts.set(prefix, rtt, this.o.now());
      }),
    );
  }

  private freeSlot(): SlotKind {
    const explorers = [...this.outgoing.values()].filter((t) => t.slot === 'explorer').length;
    return explorers < Math.min(EXPLORER_SLOTS, this.o.clientCount) ? 'explorer' : 'proximity';
  }

  /** A device name for a new tunnel to `prefix` that no tunnel uses and babeld never drained. */
  private freshDevice(prefix: string): string | null {
    for (let i = 0; i < CLIENT_DEVICE_INSTANCES; i++) {
      const device = clientDevice(prefix, i);
      if (!this.retired.has(device) && !this.outgoing.has(device)) return device;
    }
    return null;
  }

  private track(prefix: string, slot: SlotKind, now: number, device: string): OutgoingTunnel {
    const t: OutgoingTunnel = {
      device,
      prefix,
      peer: peerName(prefix),
      slot,
      state: 'opening',
      openedAt: now,
      upAt: null,
      sessionUp: false,
      downSince: null,
      routeCount: 0,
      rttMs: this.rtts.get(prefix, now) ?? null,
      replaces: null,
      drainStartedAt: null,
      drainMetric: null,
      opened: new Outcome(),
      drained: new Outcome(),
    };
    this.outgoing.set(t.device, t);
    return t;
  }

  private async open(
    action: OpenAction,
    now: number,
    replaceReason: TunnelDrainReason = 'fewest-routes',
  ): Promise<void> {
    const peer = this.o.peers.get(action.prefix);
    if (!peer || [...this.outgoing.values()].some((o) => o.prefix === peer.prefix)) return;
    const device = this.freshDevice(peer.prefix);
    if (device === null) {
      this.o.logger.warn('Every device name of this peer was drained while babeld runs; not opening', {
        peer: peerName(peer.prefix),
      });
      return;
    }
    const t = this.track(peer.prefix, action.slot, now, device);
    t.replaces = action.replaces === null ? null : { device: action.replaces, reason: replaceReason };
    this.lastRefreshAt = now;
    this.o.counters.tunnelsOpened += 1;
    const address = addressFor(peer);
    const fields = {
      device: t.device,
      slot: t.slot,
      remote: `${address.host}:${address.port}/${address.protocol}`,
      reason: action.reason,
      lastResort: action.lastResort || undefined,
    };
    void this.o.logger
      .step(`Opening tunnel to ${t.peer}`, () => t.opened.promise, fields)
      .catch(() => undefined);
    try {
      await this.o.helper.connect(t.device, { ...address, peerName: t.peer });
      await this.o.helper.setClientDevices(this.clientDevices());
    } catch (err) {
      await this.fail(t, `the helper refused it: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private startDrain(t: OutgoingTunnel, reason: TunnelDrainReason): void {
    t.state = 'draining';
    t.drainStartedAt = this.o.now();
    void this.o.logger
      .step(`Draining tunnel to ${t.peer}`, () => t.drained.promise, { reason, routes: t.routeCount })
      .catch(() => undefined);
    this.retired.add(t.device);
    this.o.helper.drain(t.device).then(
      (metric) => {
        t.drainMetric = metric;
      },
      (err: unknown) =>
        this.o.logger.warn('Could not drain the tunnel in babel; closing at the deadline', {
          device: t.device,
          error: err instanceof Error ? err.message : String(err),
        }),
    );
  }

  private async fail(t: OutgoingTunnel, reason: string): Promise<void> {
    this.outgoing.delete(t.device);
    this.o.counters.tunnelsFailed += 1;
    const outcome = this.o.peers.recordFailure(t.prefix);
    t.opened.fail(`${reason} (failure ${outcome?.consecutiveFailures ?? '?'} of the peer)`);
    t.drained.succeed();
    await this.disconnect(t);
  }

  private async disconnect(t: OutgoingTunnel): Promise<void> {
    try {
      await this.o.helper.disconnect(t.device);
    } catch (err) {
      this.o.logger.warn('Could not close a tunnel', {
        device: t.device,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}

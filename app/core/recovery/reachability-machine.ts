/**
 * The reachability state machine, per destination and for the mesh as a whole. It is pure: no
 * I/O, no timers and no clock of its own; every input carries its time, and every call returns
 * the {@link RecoveryRecord}s it produced, for the caller to store in one transaction.
 *
 * ## Rules
 *
 * **Destinations.** A destination (a peer prefix) is tracked from the first time babeld has a
 * usable route to it (installed, metric below infinity), until {@link ReachabilityMachine.forget}.
 * Probe results for a destination not tracked are ignored.
 *
 * **Reachable** means: babeld has a usable route to it, and the probes have not confirmed a loss.
 *
 * **Route debounce.** When the usable route disappears, the machine waits
 * {@link ReachabilityRules.routeSettleMs} (100 ms) before deciding. babeld reports a switch as
 * "old route uninstalled" then "new route installed", in the same burst; a route back within the
 * window is a **route switch** (or nothing, if it is the same next hop), not an outage. A route
 * still missing when the window closes is an outage that **starts when the route disappeared**. babeld
 * itself only retracts a route after missing hellos (about 3 × hello interval), so one loss is
 * already a confirmed failure; the window exists only to see the rest of the burst.
 * **Tunnel lost**: the lost route's next hop (neighbour on its interface) died — its cost went
 * infinite or it was flushed — before the window closed; otherwise the route was retracted
 * upstream.
 *
 * **Probe debounce.** A single lost probe is not an outage: it takes
 * {@link ReachabilityRules.probeLossThreshold} (3) lost probes in a row, with a usable route, to
 * confirm one. An answered probe resets the count. Probes lost while there is no usable route are
 * not counted (the route loss already explains them). A new path (route appeared or switched)
 * resets an unconfirmed count: losses on the old path say nothing about the new one.
 *
 * **Outage start.** An outage starts at the first failed observation of the run that confirmed
 * it: the moment the route disappeared or the first lost probe of the run, whichever came first,
 * but never before the destination's previous transition (so outages never overlap).
 *
 * **Recovery.** A destination recovers the moment both signals are good again: a usable route is
 * back (no debounce) and, if the probes had confirmed a loss, a probe was answered. The recovery
 * time is the outage's length. An answered probe without a usable route does not recover it.
 *
 * **Mesh.** The mesh is reachable when every tracked destination is. A mesh outage starts with
 * the first destination outage (not before the previous mesh outage ended) and ends when the last
 * open one ends; it counts as recovered only if that last one recovered.
 *
 * **Suspend.** Between {@link ReachabilityMachine.pause} and {@link ReachabilityMachine.resume},
 * time counts as neither up nor down: destinations are in state `none`, observations only update
 * the known routes, probes are ignored. An outage open at the pause ends there as `suspended`; it
 * has no recovery time and stays out of the distribution. On resume, destinations with a usable
 * route are up at once; those without one get the usual settle window from the resume, then an
 * outage starting at the resume. The caller chooses the moment of resume (e.g. after re-verifying
 * tunnels), which decides whether reconnecting after a wake-up counts.
 *
 * **Time.** Inputs may arrive slightly out of order (a probe result timed at its send time); a
 * time earlier than one already processed is taken as that later time, so durations are never
 * negative. Pending windows whose end falls before an input's time are settled first, at their
 * own end time, whether or not the caller's timer fired.
 */
import type { RecoveryEventT } from '../../ipc';
import {
  describeHop,
  hopKey,
  sameHop,
  type Destination,
  type Hop,
  type Observation,
  type OutageEnd,
  type ReachabilityState,
  type RecoveryRecord,
} from './observation';

/** Tunables of the debounce rules (see the module comment). */
export interface ReachabilityRules {
  /** How long a lost route may take to come back and still count as a switch, in ms. */
  routeSettleMs: number;
  /** Lost probes in a row, with a usable route, that confirm an outage. */
  probeLossThreshold: number;
}

/** The rules the tracker uses unless told otherwise. */
export const DEFAULT_RULES: Readonly<ReachabilityRules> = { routeSettleMs: 100, probeLossThreshold: 3 };

/** Most dead links remembered (oldest forgotten first); tunnels come and go with new names. */
const MAX_DEAD_LINKS = 1024;

/** Longest detail text the API accepts. */
const MAX_TEXT = 2000;

/** A usable route that disappeared and whose fate is decided when its settle window closes. */
interface PendingLoss {
  /** When it disappeared. */
  at: number;
  /** The route lost; null after a resume without a route. */
  hop: Hop | null;
  /** True once the lost route's link is known to be dead. */
  linkLost: boolean;
  /** When a usable route came back within the window, if it did and is still there. */
  replacedAt: number | null;
}

/** What the machine knows about one destination. */
interface Tracked {
  destination: Destination;
  /** The current usable next hop, or null. */
  hop: Hop | null;
  pending: PendingLoss | null;
  /** Set when a route loss was confirmed; cleared when a usable route is back. */
  routeDown: { since: number; cause: string } | null;
  lostProbes: number;
  firstLostAt: number | null;
  probesDown: boolean;
  outage: { start: number; cause: string } | null;
  /** The last state recorded, and since when. */
  state: ReachabilityState;
  since: number;
}

/** Turns timed observations into reachability transitions, outages and timeline events. */
export class ReachabilityMachine {
  private readonly rules: ReachabilityRules;
  private readonly tracked = new Map<string, Tracked>();
  private readonly deadLinks = new Set<string>();
  private meshOutage: { start: number } | null = null;
  private meshSince = 0;
  private clock = 0;
  private paused = false;
  private out: RecoveryRecord[] = [];

  /** Creates a machine with the {@link DEFAULT_RULES}, or the ones given. */
  constructor(rules: Partial<ReachabilityRules> = {}) {
    this.rules = { ...DEFAULT_RULES, ...rules };
  }

  /** Takes one observation. */
  observe(observation: Observation): RecoveryRecord[] {
    return this.step(observation.at, (at) => {
      if (observation.kind === 'route') this.route(at, observation.destination, observation.hop);
      else if (observation.kind === 'link') this.link(observation.link, observation.alive);
      else this.probe(at, observation.prefix, observation.ok);
    });
  }

  /** Lets time pass: settles the windows that closed by `at`. */
  tick(at: number): RecoveryRecord[] {
    return this.step(at, () => undefined);
  }

  /** When the earliest open settle window closes (call {@link tick} then), or null. */
  nextDeadline(): number | null {
    let deadline: number | null = null;
    for (const t of this.tracked.values()) {
      const end = t.pending && t.pending.at + this.rules.routeSettleMs;
      if (end !== null && (deadline === null || end < deadline)) deadline = end;
    }
    return deadline;
  }

  /** Starts a suspend period (see the module comment); does nothing while already paused. */
  pause(at: number, reason: string): RecoveryRecord[] {
    return this.step(at, (now) => {
      if (this.paused) return;
      this.event(now, 'suspended', null, reason);
      this.closeAll(now, 'suspended');
      this.paused = true;
    });
  }

  /** Ends a suspend period; does nothing unless paused. */
  resume(at: number): RecoveryRecord[] {
    return this.step(at, (now) => {
      if (!this.paused) return;
      this.paused = false;
      this.meshSince = now;
      this.event(now, 'resumed', null, '');
      for (const t of this.tracked.values()) {
        if (t.hop) this.transition(t, now, 'up', `route ${describeHop(t.hop)}`);
        else t.pending = { at: now, hop: null, linkLost: false, replacedAt: null };
      }
    });
  }

  /**
   * Stops measuring, as when the tracker shuts down: open outages end as `stopped`, every
   * destination goes to `none`. {@link resume} starts again.
   */
  stop(at: number): RecoveryRecord[] {
    return this.step(at, (now) => {
      this.closeAll(now, 'stopped');
      this.paused = true;
    });
  }

  /**
   * Stops tracking a destination that left the mesh (its open outage ends as `forgotten`). If
   * babeld routes to it again, it is tracked again.
   */
  forget(at: number, prefix: string): RecoveryRecord[] {
    return this.step(at, (now) => {
      const t = this.tracked.get(prefix);
      if (!t) return;
      this.clearSignals(t);
      this.close(t, now, 'forgotten');
      this.tracked.delete(prefix);
      this.updateMesh(now, 'forgotten');
    });
  }

  private step(at: number, action: (at: number) => void): RecoveryRecord[] {
    this.out = [];
    action(this.advance(at));
    return this.out;
  }

  /** Moves the clock to `at` (never backwards), settling every window that closes on the way. */
  private advance(at: number): number {
    const target = Math.max(Math.round(at), this.clock);
    for (;;) {
      const deadline = this.nextDeadline();
      if (deadline === null || deadline > target) break;
      this.clock = Math.max(this.clock, deadline);
      for (const t of this.tracked.values()) {
        if (t.pending && t.pending.at + this.rules.routeSettleMs === deadline) this.settle(t, this.clock);
      }
    }
    this.clock = target;
    return target;
  }

  private route(at: number, destination: Destination, hop: Hop | null): void {
    const t = this.tracked.get(destination.prefix);
    if (!t) {
      if (hop) this.track(at, destination, hop);
      return;
    }
    t.destination = destination;
    const previous = t.hop;
    if (sameHop(previous, hop)) return;
    t.hop = hop;
    if (this.paused) return;
    if (!hop) {
      if (t.pending) t.pending.replacedAt = null;
      else t.pending = { at, hop: previous, linkLost: this.isDead(previous), replacedAt: null };
      return;
    }
    if (!t.probesDown) this.resetProbes(t);
    if (t.pending) {
      t.pending.replacedAt = at;
    } else if (t.routeDown) {
      t.routeDown = null;
      this.evaluate(t, at, `route ${describeHop(hop)}`);
    } else if (previous) {
      this.event(at, 'route-switched', t, `now ${describeHop(hop)} (was ${describeHop(previous)})`);
    }
  }

  private track(at: number, destination: Destination, hop: Hop): void {
    const t: Tracked = {
      destination,
      hop,
      pending: null,
      routeDown: null,
      lostProbes: 0,
      firstLostAt: null,
      probesDown: false,
      outage: null,
      state: 'none',
      since: at,
    };
    this.tracked.set(destination.prefix, t);
    if (!this.paused) this.transition(t, at, 'up', `route ${describeHop(hop)}`);
  }

  private link(link: Hop, alive: boolean): void {
    const key = hopKey(link);
    this.deadLinks.delete(key);
    if (alive) return;
    this.deadLinks.add(key);
    if (this.deadLinks.size > MAX_DEAD_LINKS) this.deadLinks.delete(this.deadLinks.values().next().value!);
    for (const t of this.tracked.values()) {
      if (t.pending?.hop && hopKey(t.pending.hop) === key) t.pending.linkLost = true;
    }
  }

  private isDead(hop: Hop | null): boolean {
    return hop !== null && this.deadLinks.has(hopKey(hop));
  }

  private probe(at: number, prefix: string, ok: boolean): void {
    const t = this.tracked.get(prefix);
    if (!t || this.paused) return;
    if (ok) {
      const wasDown = t.probesDown;
      this.resetProbes(t);
      if (wasDown) this.evaluate(t, at, 'probe answered');
      return;
    }
    if (!t.hop) return;
    if (t.lostProbes === 0) t.firstLostAt = at;
    t.lostProbes += 1;
    if (!t.probesDown && t.lostProbes >= this.rules.probeLossThreshold) {
      t.probesDown = true;
      this.evaluate(t, at, '');
    }
  }

  /** Closes a settle window at its end time `at`. */
  private settle(t: Tracked, at: number): void {
    const p = t.pending!;
    t.pending = null;
    const lostLink = p.linkLost || this.isDead(p.hop) ? p.hop : null;
    if (lostLink) this.event(p.at, 'tunnel-lost', t, `tunnel ${lostLink.ifname} to ${lostLink.via} lost`);
    if (t.hop) {
      const back = p.replacedAt ?? at;
      if (t.state === 'none') this.transition(t, back, 'up', `route ${describeHop(t.hop)}`);
      else if (p.hop && !sameHop(p.hop, t.hop)) {
        this.event(back, 'route-switched', t, `now ${describeHop(t.hop)} (was ${describeHop(p.hop)})`);
      }
      return;
    }
    const cause = lostLink
      ? `tunnel ${lostLink.ifname} to ${lostLink.via} lost`
      : p.hop
        ? `route ${describeHop(p.hop)} retracted`
        : 'no route after resume';
    t.routeDown = { since: p.at, cause };
    this.evaluate(t, at, cause);
  }

  /** Opens or closes the destination's outage to match its signals. */
  private evaluate(t: Tracked, at: number, recoveredBy: string): void {
    const down = t.routeDown !== null || t.probesDown;
    if (down && !t.outage) {
      const evidence = [t.routeDown?.since ?? at, t.lostProbes > 0 ? t.firstLostAt! : at];
      const start = Math.max(Math.min(...evidence), t.since);
      const cause = t.routeDown?.cause ?? `${t.lostProbes} probes lost in a row`;
      const { prefix, peer } = t.destination;
      t.outage = { start, cause };
      this.transition(t, start, 'down', cause);
      this.out.push({ type: 'outage-start', prefix, peer, start, cause });
      this.event(start, 'outage-started', t, cause);
      this.updateMesh(at, 'recovered');
    } else if (!down && t.outage) {
      this.close(t, at, 'recovered', recoveredBy);
      this.updateMesh(at, 'recovered');
    }
  }

  /** Ends the destination's measurement or outage at `at` (state `up` only when recovered). */
  private close(t: Tracked, at: number, endedBy: OutageEnd, detail: string = endedBy): void {
    const outage = t.outage;
    t.outage = null;
    if (outage) this.out.push({ type: 'outage-end', prefix: t.destination.prefix, end: at, endedBy });
    this.transition(t, at, endedBy === 'recovered' ? 'up' : 'none', detail);
    if (outage && endedBy === 'recovered') this.event(at, 'recovered', t, detail, at - outage.start);
  }

  private closeAll(at: number, endedBy: OutageEnd): void {
    for (const t of this.tracked.values()) {
      this.clearSignals(t);
      this.close(t, at, endedBy);
      this.updateMesh(at, endedBy);
    }
  }

  private clearSignals(t: Tracked): void {
    t.pending = null;
    t.routeDown = null;
    this.resetProbes(t);
  }

  private resetProbes(t: Tracked): void {
    t.lostProbes = 0;
    t.firstLostAt = null;
    t.probesDown = false;
  }

  /** Opens the mesh outage with the first destination outage, closes it with the last. */
  private updateMesh(at: number, endedBy: OutageEnd): void {
    let first: Tracked | null = null;
    for (const t of this.tracked.values()) {
      if (t.outage && (!first || t.outage.start < first.outage!.start)) first = t;
    }
    if (first && !this.meshOutage && !this.paused) {
      const start = Math.max(first.outage!.start, this.meshSince);
      const cause = `${first.destination.peer}: ${first.outage!.cause}`;
      this.meshOutage = { start };
      this.out.push({ type: 'outage-start', prefix: null, peer: null, start, cause });
      this.event(start, 'outage-started', null, cause);
    } else if (!first && this.meshOutage) {
      const { start } = this.meshOutage;
      this.meshOutage = null;
      this.meshSince = at;
      this.out.push({ type: 'outage-end', prefix: null, end: at, endedBy });
      if (endedBy === 'recovered') {
        this.event(at, 'recovered', null, 'every destination reachable', at - start);
      }
    }
  }

  private transition(t: Tracked, at: number, state: ReachabilityState, cause: string): void {
    if (t.state === state) return;
    t.state = state;
    t.since = at;
    const { prefix, peer } = t.destination;
    this.out.push({ type: 'transition', at, prefix, peer, state, cause: cause.slice(0, MAX_TEXT) });
  }

  private event(
    at: number,
    kind: RecoveryEventT['kind'],
    t: Tracked | null,
    detail: string,
    outageMs: number | null = null,
  ): void {
    const peer = t ? t.destination.peer : null;
    this.out.push({ type: 'event', event: { at, kind, peer, detail: detail.slice(0, MAX_TEXT), outageMs } });
  }
}

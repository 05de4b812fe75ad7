/**
 * Active probes of the tunnel peers over the overlay, for the recovery tracker. babel notices a
 * silently cut tunnel only after missing hellos (about 4 hello intervals) and then routes around
 * it: the tracker sees "tunnel lost" and "route switched" but no outage, although traffic to the
 * peer was lost until then. A probe sent through the overlay every hello interval sees that loss.
 *
 * Every {@link probePeriodMs} the node sends one probe (probe.ts: the UDP echo every node answers
 * on all its addresses) to the overlay address of each tunnel peer (addressing.ts `nodeAddress`
 * of its prefix), at the peer's echo port; the kernel routes it as babel decided, so it follows
 * the path traffic to that destination takes. The outcome goes to the tracker as a
 * {@link ProbeResult} timed at the send; the tracker's rules decide (3 lost in a row with a usable
 * route open an outage caused by "3 probes lost in a row", from the first lost one; an answer
 * closes it; lost probes without a route count for nothing). The tracker takes a time earlier
 * than one it already processed as that later time, so an outage start can fall up to one probe
 * timeout late when babel reported a change in between. Only tunnel peers are probed: a
 * destination reached only through other nodes is still followed through babel alone.
 *
 * Rules that keep the signal honest:
 * - A peer's results count only once it answered one probe here (*armed*): a peer that never
 *   answers on the overlay (a firewall, a different echo port) is no outage.
 * - A probe waits at most 4/5 of the period ({@link probeTimeoutMs}), so its verdict is in before
 *   the next round, and a peer never has two probes in flight: one peer's results arrive in the
 *   order they were sent, and a loss is sampled at every period.
 * - A peer that stops being a tunnel peer while its last probe was lost (typically: babel moved
 *   its routes off the cut tunnel) stays probed until it answers, for at most
 *   {@link UNANSWERED_LINGER_MS}: the answer is what ends an outage the probes opened.
 * - Nothing is sent while paused (system suspend), and probes in flight across a pause or resume
 *   are dropped, so a suspend never shows up as lost probes.
 *
 * Cost: at most {@link MAX_PROBED_PEERS} probes per period, one per peer. A probe is one UDP
 * datagram of 24 bytes (probe.ts, `PROBE_LENGTH`) each way, 72 bytes with its IPv6 and UDP headers,
 * roughly 150 bytes on the wire once carried by the tunnel (tap Ethernet header, OpenVPN data
 * channel, outer UDP/IP); one short-lived UDP socket per probe. With 10 tunnel peers at the
 * default hello interval of 1 s that is 10 probes a second, about 3 kB/s both ways together: the
 * order of babel's own hellos and IHUs on the same tunnels.
 */
import type { Disposable } from '../babel/emitter';
import type { ProbeResult } from '../recovery';
import { PROBE_TIMEOUT_MS } from './probe';

/** Shortest period between two probes of one peer (hello intervals below it are not followed). */
export const MIN_PROBE_PERIOD_MS = 250;

/** Longest period between two probes of one peer, for long hello intervals. */
export const MAX_PROBE_PERIOD_MS = 5_000;

/** How long a peer that left the tunnel peers unanswered stays probed. */
export const UNANSWERED_LINGER_MS = 5 * 60_000;

/** Most peers probed per period. */
export const MAX_PROBED_PEERS = 64;

/** The probe period at hello interval `helloS` (seconds): one probe per hello, bounded. */
export function probePeriodMs(helloS: number): number {
  return Math.min(MAX_PROBE_PERIOD_MS, Math.max(MIN_PROBE_PERIOD_MS, Math.round(helloS * 1000)));
}

/**
 * How long a probe sent with period `periodMs` waits for its echo: 4/5 of the period (so it is
 * settled before the next round) and at most {@link PROBE_TIMEOUT_MS}.
 */
export function probeTimeoutMs(periodMs: number): number {
  return Math.min(PROBE_TIMEOUT_MS, Math.floor((periodMs * 4) / 5));
}

/** Where a peer answers probes on the overlay. */
export interface ProbeTarget {
  /** The peer's overlay address. */
  host: string;
  /** Its echo port. */
  port: number;
}

/** What {@link ReachabilityProber} works with. */
export interface ReachabilityProberOptions {
  /** Prefixes of the current tunnel peers, as babel names their destinations. */
  tunnelPeers: () => readonly string[];
  /** Where the peer of `prefix` answers on the overlay, or null when unknown (not probed). */
  targetOf: (prefix: string) => ProbeTarget | null;
  /** Sends one probe: its RTT in ms, or null without an answer within `timeoutMs`. */
  probe: (target: ProbeTarget, timeoutMs: number) => Promise<number | null>;
  /** The current period, ms (read before every round, so a new hello interval applies at once). */
  periodMs: () => number;
  /** Receives every counted result (see the module comment). */
  onResult: (result: ProbeResult) => void;
  /** Clock, ms since the epoch. */
  now: () => number;
}

/** What the prober remembers about one peer. */
interface ProbedPeer {
  /** It answered a probe since it became a tunnel peer. */
  armed: boolean;
  /** The last probe got no answer. */
  unanswered: boolean;
  /** A probe is in flight. */
  inFlight: boolean;
  /** When it stopped being a tunnel peer, while still probed. */
  leftAt: number | null;
}

/** Probes the tunnel peers periodically once {@link ReachabilityProber.start}ed. */
export class ReachabilityProber implements Disposable {
  private readonly peers = new Map<string, ProbedPeer>();
  private timer: NodeJS.Timeout | null = null;
  /** Bumped at every pause and resume: results of probes sent before are dropped. */
  private epoch = 0;
  private paused = false;
  private disposed = false;

  /** Creates a prober; nothing is sent before {@link start}. */
  constructor(private readonly o: ReachabilityProberOptions) {}

  /** Sends the first round now, then one every period. */
  start(): void {
    if (this.disposed || this.timer) return;
    this.round();
  }

  /** Stops sending and drops the results of probes in flight, until {@link resume}. */
  pause(): void {
    this.paused = true;
    this.epoch += 1;
  }

  /** Sends again from the next round; results of probes sent before the resume are dropped. */
  resume(): void {
    this.paused = false;
    this.epoch += 1;
  }

  /** Stops for good; results still in flight are dropped. */
  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Peers probed now (tunnel peers, and unanswered ones that left), for tests and status. */
  get probed(): string[] {
    return [...this.peers.keys()];
  }

  private round(): void {
    const period = this.o.periodMs();
    this.timer = setTimeout(() => this.round(), period);
    if (this.paused) return;
    const now = this.o.now();
    const timeoutMs = probeTimeoutMs(period);
    try {
      this.refresh(now);
      let sent = 0;
      for (const [prefix, peer] of this.peers) {
        if (sent >= MAX_PROBED_PEERS) break;
        if (peer.inFlight) continue;
        const target = this.o.targetOf(prefix);
        if (!target) continue;
        sent += 1;
        this.send(prefix, peer, target, timeoutMs, now);
      }
    } catch {
      // the peer DB could not be read: this round is skipped, the next one tries again
    }
  }

  /** Adds new tunnel peers; keeps those that left only while unanswered and within the linger. */
  private refresh(now: number): void {
    const current = new Set(this.o.tunnelPeers());
    for (const prefix of current) {
      const peer = this.peers.get(prefix);
      if (peer) peer.leftAt = null;
      else this.peers.set(prefix, { armed: false, unanswered: false, inFlight: false, leftAt: null });
    }
    for (const [prefix, peer] of this.peers) {
      if (current.has(prefix)) continue;
      peer.leftAt ??= now;
      const owed = peer.armed && peer.unanswered;
      if (!owed || now - peer.leftAt >= UNANSWERED_LINGER_MS) this.peers.delete(prefix);
    }
  }

  private send(prefix: string, peer: ProbedPeer, target: ProbeTarget, timeoutMs: number, at: number): void {
    const epoch = this.epoch;
    peer.inFlight = true;
    this.o
      .probe(target, timeoutMs)
      .catch(() => null)
      .then((rtt) => {
        peer.inFlight = false;
        if (this.disposed || epoch !== this.epoch || this.peers.get(prefix) !== peer) return;
        const ok = rtt !== null;
        peer.unanswered = !ok;
        if (ok) peer.armed = true;
        if (peer.armed) this.o.onResult({ prefix, ok, at });
      })
      .catch(() => undefined);
  }
}

/**
 * One outgoing tunnel as the tunnel manager tracks it: a tap client device of the helper, its
 * life stage, and the attributes the selection policy ranks it by — the number of babel routes
 * through it and its RTT, refreshed from the babel monitor at every tick.
 */
import type { DrainReason, SlotKind } from '../selection/types';

/**
 * Why a tunnel is drained: the policy's reasons, the node shutting down, a `rotate` request on
 * the control socket, or a drain the helper already had when this process adopted the tunnel.
 */
export type TunnelDrainReason = DrainReason | 'shutdown' | 'rotate' | 'resumed';

/** Settles a promise from outside, so a long action can be logged with `logger.step`. */
export class Outcome {
  /** Resolves on {@link Outcome.succeed}, rejects on {@link Outcome.fail}. */
  readonly promise: Promise<void>;
  private settle!: (error?: Error) => void;

  /** Creates an unsettled outcome; a failure nobody awaits is not an unhandled rejection. */
  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve());
    });
    this.promise.catch(() => undefined);
  }

  /** Resolves the promise (later calls do nothing). */
  succeed(): void {
    this.settle();
  }

  /** Rejects the promise with `reason` (later calls do nothing). */
  fail(reason: string): void {
    this.settle(new Error(reason));
  }
}

/** An outgoing tunnel. Times are ms since the epoch. */
export interface OutgoingTunnel {
  /** The helper's tap client device, unique per tunnel (see addressing.clientDevice). */
  device: string;
  /** The peer's prefix. */
  prefix: string;
  /** The peer's certificate name. */
  peer: string;
  /** The slot it fills. */
  slot: SlotKind;
  /** Life stage. */
  state: 'opening' | 'up' | 'draining';
  /** When it was opened. */
  openedAt: number;
  /** When it came up, or null while opening. */
  upAt: number | null;
  /** True while the helper reports the OpenVPN session up. */
  sessionUp: boolean;
  /** Since when the session has been down after it was up once, or null. */
  downSince: number | null;
  /** Installed babel routes through the tunnel (from the babel monitor). */
  routeCount: number;
  /** RTT to the peer: babel's measurement on the tunnel, else our last probe; null when unknown. */
  rttMs: number | null;
  /**
   * The tunnel this one replaces and why: drained once babel routes over this one (or at the
   * replacement deadline), or null.
   */
  replaces: { device: string; reason: TunnelDrainReason } | null;
  /** When draining started, or null. */
  drainStartedAt: number | null;
  /** The metric the helper's drain added (known once it answered), or null. */
  drainMetric: number | null;
  /** Settles when the tunnel comes up (or fails to); logged as one step. */
  opened: Outcome;
  /** Settles when a drain ends with the close; logged as one step. */
  drained: Outcome;
}

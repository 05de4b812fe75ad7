/**
 * The OpenVPN listener for incoming tunnels (one tap server, helper op `openvpn.listen`) and its
 * `max-clients`, as the engine keeps them.
 *
 * Changing `max-clients` on a running node: the helper has no op that changes it in place;
 * `openvpn.listen` with another value stops the tap server and starts a new one (the tap device
 * and babeld stay). That drops every incoming session at once, without a drain: each peer that
 * opened a tunnel to this node loses it until its OpenVPN client reconnects (a TLS handshake and
 * OpenVPN's 1 s tick, ≈ 2–3 s), babel on both ends loses those neighbours meanwhile (outages for
 * destinations routed over them), and a peer whose session stays down 15 s counts a failure of
 * this node. So the least disruptive correct way is taken: the listener restarts with the new
 * value at once only while no incoming tunnel exists (nothing to drop), otherwise the value
 * applies at the next listener start (the next connect, or the helper's next reconnection).
 * Until then the manager's full flag uses {@link TunnelListener.cap}: a lower value is honoured
 * at once (peers are told this node is full), a higher one only once the listener admits it.
 */
import type { Logger } from '../log';

/** Starts (or keeps, when identical) the listener with `maxClients`; resolves with its device. */
export type Listen = (maxClients: number) => Promise<string>;

/** What {@link TunnelListener.change} did. */
export type ListenerChange = 'unchanged' | 'restarted' | 'deferred';

/** The listener and the `max-clients` it runs with; see the module description. */
export class TunnelListener {
  private runningMax: number | null = null;
  private runningDevice: string | null = null;

  /** Creates the keeper; nothing runs until {@link TunnelListener.start}. */
  constructor(
    private readonly listen: Listen,
    private readonly log: Logger,
  ) {}

  /** The listener's tap device, once started. */
  get device(): string | null {
    return this.runningDevice;
  }

  /** The `max-clients` the running listener enforces, or null before it started. */
  get maxClients(): number | null {
    return this.runningMax;
  }

  /** Starts the listener with `maxClients` (at setup, and after the helper restarted). */
  async start(maxClients: number): Promise<string> {
    this.runningDevice = await this.listen(maxClients);
    this.runningMax = maxClients;
    return this.runningDevice;
  }

  /** Incoming tunnels this node admits for a wanted `maxClients`: the listener's value caps a raise. */
  cap(wanted: number): number {
    return this.runningMax === null ? wanted : Math.min(wanted, this.runningMax);
  }

  /**
   * Applies a new `maxClients`: restarts the listener now when `incoming` (the incoming tunnels
   * babel sees) is 0, else leaves it to the next start. A failed restart is logged, not thrown:
   * the value is started with again at the next connect or helper reconnection.
   */
  async change(maxClients: number, incoming: number): Promise<ListenerChange> {
    if (this.runningMax === null || this.runningMax === maxClients) return 'unchanged';
    if (incoming > 0) {
      this.log.info('max-clients applies at the next listener start', {
        maxClients,
        running: this.runningMax,
        incoming,
        why: 'restarting the listener now would drop every incoming tunnel',
      });
      return 'deferred';
    }
    try {
      await this.log.step(`Restarting the OpenVPN listener with max-clients ${maxClients}`, () =>
        this.start(maxClients),
      );
      return 'restarted';
    } catch {
      // the step logged why; the helper stopped the failed listener
      this.runningMax = null;
      this.log.warn('No OpenVPN listener runs until the next connect or helper reconnection', {
        maxClients,
      });
      return 'deferred';
    }
  }
}

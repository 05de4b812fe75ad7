/**
 * The babel monitor: one read-only client of babeld's local socket (the helper's `babelSocket`)
 * and the per-link attributes the tunnel manager reads from it — the number of installed routes
 * through each tunnel device and babel's RTT, and the incoming tunnels, which appear as
 * neighbours on a listener's tap device. An incoming neighbour is identified by the one route it
 * originates (refmetric 0): its own prefix, the only one a node redistributes.
 */
import { BabelLocalClient } from '../babel/local-client';
import { BABEL_INFINITY } from '../babel/dump-parser';
import type { LinkStats, RoutingTable } from '../babel/routing-table';
import type { Logger } from '../log';
import { formatPrefix, parsePrefix } from '../../registry/ipv6';
import type { IncomingLink, LinkAttributes, LinkView } from './tunnel-ports';

/** Keeps a babeld client and answers the tunnel manager's questions from its table. */
export class BabelMonitor implements LinkView {
  private client: BabelLocalClient | null = null;
  private stats: ReadonlyMap<string, LinkStats> | null = null;
  private changeSubscription: { dispose(): void } | null = null;
  private listenerDevices: readonly string[] = [];

  /** Creates a monitor; it follows nothing until {@link attach}. */
  constructor(private readonly logger: Logger) {}

  /** True while the client follows babeld. */
  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** The routing table of the babeld followed, or null before {@link attach}. */
  get table(): RoutingTable | null {
    return this.client?.table ?? null;
  }

  /**
   * Follows the babeld behind `socketPath` (the same path again keeps the connection), whose
   * neighbours on `listenerDevices` (the tap servers) are incoming tunnels.
   */
  attach(socketPath: string, listenerDevices: readonly string[]): void {
    this.listenerDevices = listenerDevices;
    if (this.client?.socketPath === socketPath) return;
    this.detach();
    const client = new BabelLocalClient(socketPath, { logger: this.logger });
    this.changeSubscription = client.table.onDidChange(() => (this.stats = null));
    this.client = client;
  }

  /** Stops following babeld. */
  detach(): void {
    this.changeSubscription?.dispose();
    this.client?.dispose();
    this.client = null;
    this.changeSubscription = null;
    this.stats = null;
  }

  /** Route count and RTT of the link over `device` (cached until the table changes). */
  device(device: string): LinkAttributes | undefined {
    if (!this.client) return undefined;
    this.stats ??= this.client.table.interfaceStats();
    return this.stats.get(device);
  }

  /** See {@link LinkView.routesThroughUs}. */
  routesThroughUs(device: string, drainMetric: number): number {
    let count = 0;
    for (const route of this.client?.table.routes.values() ?? [])
      if (route.ifname === device && route.refmetric >= drainMetric && route.refmetric < BABEL_INFINITY)
        count += 1;
    return count;
  }

  /** Neighbours on the listener devices, with the prefix each originates. */
  incoming(): IncomingLink[] {
    const table = this.client?.table;
    if (!table) return [];
    const originated = new Map<string, string>();
    for (const route of table.routes.values()) {
      const prefix = parsePrefix(route.prefix);
      if (prefix && route.refmetric === 0 && route.metric < BABEL_INFINITY)
        originated.set(`${route.via}%${route.ifname}`, formatPrefix(prefix));
    }
    const perNeighbour = table.neighbourStats();
    const links: IncomingLink[] = [];
    for (const n of table.neighbours.values()) {
      if (!this.listenerDevices.includes(n.ifname)) continue;
      const prefix = originated.get(`${n.address}%${n.ifname}`);
      const stats = perNeighbour.get(n.id);
      if (prefix === undefined || !stats) continue;
      links.push({ prefix, device: n.ifname, ...stats });
    }
    return links;
  }
}

/**
 * The engine's model of babeld's state: interfaces, neighbours, routes and redistributed routes,
 * kept current by applying the update lines of `dump` and `monitor`. It does no I/O, so it can
 * be driven by the local client or by a test alike.
 *
 * The selection policy needs, per tunnel, how many routes it carries and its RTT:
 * {@link RoutingTable.interfaceStats} and {@link RoutingTable.neighbourStats} give both.
 */
import { Emitter, type Disposable, type Event } from './emitter';
import {
  BABEL_INFINITY,
  type BabelInterface,
  type BabelNeighbour,
  type BabelRoute,
  type BabelUpdate,
  type BabelXroute,
} from './dump-parser';

/** Usefulness of one link (an interface, i.e. a tunnel, or one neighbour on it). */
export interface LinkStats {
  /** Installed, reachable routes whose next hop is this link. */
  routeCount: number;
  /** Smallest RTT babeld measured to a neighbour on this link, in ms; null when unknown. */
  rttMs: number | null;
}

/** True when `route` is the one babeld uses for its destination and it is reachable. */
export function isUsableRoute(route: BabelRoute): boolean {
  return route.installed && route.metric < BABEL_INFINITY;
}

type ObjectMaps = {
  interface: Map<string, BabelInterface>;
  neighbour: Map<string, BabelNeighbour>;
  route: Map<string, BabelRoute>;
  xroute: Map<string, BabelXroute>;
};

function keyOf(update: BabelUpdate): string {
  return update.type === 'interface' ? update.value.name : update.value.id;
}

function sameValue(a: object, b: object): boolean {
  const ar = a as Record<string, unknown>;
  const br = b as Record<string, unknown>;
  return Object.keys(ar).every((k) => ar[k] === br[k]);
}

/** babeld's objects, by babeld's identifiers, with change events. */
export class RoutingTable implements Disposable {
  private readonly maps: ObjectMaps = {
    interface: new Map(),
    neighbour: new Map(),
    route: new Map(),
    xroute: new Map(),
  };
  private readonly changed = new Emitter<BabelUpdate>();

  /**
   * Fires for every effective change: a new object (`add`), a modified one (`change`, only when
   * a field differs: babeld repeats unchanged objects at every hello), a removed one (`flush`).
   */
  readonly onDidChange: Event<BabelUpdate> = this.changed.event;

  /** Interfaces by name. */
  get interfaces(): ReadonlyMap<string, BabelInterface> {
    return this.maps.interface;
  }

  /** Neighbours by babeld id. */
  get neighbours(): ReadonlyMap<string, BabelNeighbour> {
    return this.maps.neighbour;
  }

  /** Learned routes (selected or not) by babeld id. */
  get routes(): ReadonlyMap<string, BabelRoute> {
    return this.maps.route;
  }

  /** Redistributed routes by `<prefix>-<from>`. */
  get xroutes(): ReadonlyMap<string, BabelXroute> {
    return this.maps.xroute;
  }

  /**
   * Applies one update. `add` and `change` both upsert (the replay that follows `monitor` repeats
   * known objects as `add`); `flush` removes. Returns true when the model changed.
   */
  apply(update: BabelUpdate): boolean {
    const map = this.maps[update.type] as Map<string, BabelUpdate['value']>;
    const key = keyOf(update);
    const old = map.get(key);
    if (update.kind === 'flush') {
      if (!old) return false;
      map.delete(key);
      this.changed.fire(update);
      return true;
    }
    if (old && sameValue(old, update.value)) return false;
    map.set(key, update.value);
    this.changed.fire({ ...update, kind: old ? 'change' : 'add' });
    return true;
  }

  /**
   * Replaces the whole model with a `dump` snapshot: objects absent from it are flushed, the
   * others applied. Used on every (re)connection, so state lost while disconnected is dropped.
   */
  reset(snapshot: readonly BabelUpdate[]): void {
    const present = new Set(snapshot.map((u) => `${u.type} ${keyOf(u)}`));
    for (const type of ['route', 'xroute', 'neighbour', 'interface'] as const) {
      for (const value of [...this.maps[type].values()]) {
        const update = { kind: 'flush', type, value } as BabelUpdate;
        if (!present.has(`${type} ${keyOf(update)}`)) this.apply(update);
      }
    }
    for (const update of snapshot) this.apply(update);
  }

  /** The usable route babeld installed for `prefix`, if any. */
  selectedRoute(prefix: string): BabelRoute | undefined {
    for (const route of this.maps.route.values())
      if (route.prefix === prefix && isUsableRoute(route)) return route;
    return undefined;
  }

  /** Route count and RTT of every interface babeld runs on, in one pass over the routes. */
  interfaceStats(): ReadonlyMap<string, LinkStats> {
    const stats = new Map<string, LinkStats>();
    for (const name of this.maps.interface.keys()) stats.set(name, { routeCount: 0, rttMs: null });
    for (const n of this.maps.neighbour.values()) {
      const s = stats.get(n.ifname) ?? { routeCount: 0, rttMs: null };
      if (n.rttMs !== null) s.rttMs = s.rttMs === null ? n.rttMs : Math.min(s.rttMs, n.rttMs);
      stats.set(n.ifname, s);
    }
    for (const route of this.maps.route.values()) {
      if (!isUsableRoute(route)) continue;
      const s = stats.get(route.ifname) ?? { routeCount: 0, rttMs: null };
      s.routeCount += 1;
      stats.set(route.ifname, s);
    }
    return stats;
  }

  /** Route count and RTT of every neighbour, by neighbour id, in one pass over the routes. */
  neighbourStats(): ReadonlyMap<string, LinkStats> {
    const byHop = new Map<string, LinkStats>();
    const stats = new Map<string, LinkStats>();
    for (const n of this.maps.neighbour.values()) {
      const s: LinkStats = { routeCount: 0, rttMs: n.rttMs };
      stats.set(n.id, s);
      byHop.set(`${n.address}%${n.ifname}`, s);
    }
    for (const route of this.maps.route.values()) {
      const s = byHop.get(`${route.via}%${route.ifname}`);
      if (s && isUsableRoute(route)) s.routeCount += 1;
    }
    return stats;
  }

  /** Drops the listeners. */
  dispose(): void {
    this.changed.dispose();
  }
}

/**
 * Parser for the update lines babeld writes on its local configuration socket, in answer to
 * `dump` and, once subscribed, after `monitor`. Each line is
 *
 *     <add|change|flush> <interface|neighbour|route|xroute> <id> (<key> <value>)*
 *
 * e.g. (captured from babeld 1.12.1)
 *
 *     add neighbour 5605bfd1ee50 address fe80::a8f8:9ff:fe6b:ee17 if va8808 reach ffff ureach 0000 rxcost 96 txcost 96 rtt 0.419 rttcost 0 cost 96
 *     change route 5605bfd20050 prefix fd00:1:2:b::/64 from ::/0 installed yes id c0:49:80:3e:a4:38:c4:c5 metric 96 refmetric 0 via fe80::a8f8:9ff:fe6b:ee17 if va8808
 *
 * The `<id>` of neighbours and routes is babeld's in-memory address of the object: stable for the
 * object's life and repeated by its `flush` line. Fields are split on single spaces, so an empty
 * value (later babeld versions print `tables  id …`) keeps the key/value pairs aligned; unknown
 * keys are ignored so newer babeld versions still parse.
 */

/** What happened to the object a line describes. */
export type UpdateKind = 'add' | 'change' | 'flush';

/** babeld's infinite metric: a route or link with this cost is unusable. */
export const BABEL_INFINITY = 0xffff;

/** One interface babeld runs on. */
export interface BabelInterface {
  /** Interface name; also the key babeld uses. */
  name: string;
  /** False when the interface is down (babeld then prints no address). */
  up: boolean;
  /** The link-local IPv6 address babeld speaks from, if any. */
  ipv6: string | null;
  /** The interface's IPv4 address, if any. */
  ipv4: string | null;
}

/** One babel neighbour: a router heard on one interface. */
export interface BabelNeighbour {
  /** babeld's identifier of this neighbour. */
  id: string;
  /** The neighbour's link-local address. */
  address: string;
  /** The interface it is heard on. */
  ifname: string;
  /** Hello history bitmap (multicast hellos), 16 bits, newest in the high bit. */
  reach: number;
  /** Hello history bitmap of unicast hellos. */
  ureach: number;
  /** Cost of receiving from the neighbour, from our hello history. */
  rxcost: number;
  /** Cost of sending to it, from its IHUs. */
  txcost: number;
  /** Smoothed round-trip time in ms, when timestamps are enabled on the link (tunnels). */
  rttMs: number | null;
  /** The part of the cost due to the RTT, when RTT is known. */
  rttCost: number | null;
  /** Link cost babeld uses for routes through this neighbour. */
  cost: number;
}

/** One route babeld learned from a neighbour (selected or not). */
export interface BabelRoute {
  /** babeld's identifier of this route. */
  id: string;
  /** Destination prefix. */
  prefix: string;
  /** Source prefix (`::/0` unless source-specific routing is used). */
  from: string;
  /** True when this is the route babeld selected and installed in the kernel. */
  installed: boolean;
  /** Router id of the route's originator. */
  routerId: string;
  /** Metric through this neighbour ({@link BABEL_INFINITY} when retracted or the link is dead). */
  metric: number;
  /** Metric the neighbour advertised. */
  refmetric: number;
  /** Next hop: the neighbour's link-local address. */
  via: string;
  /** Interface of the next hop. */
  ifname: string;
}

/** One route babeld redistributes from the kernel (our own prefix). */
export interface BabelXroute {
  /** babeld's key, `<prefix>-<from>`. */
  id: string;
  /** Destination prefix. */
  prefix: string;
  /** Source prefix. */
  from: string;
  /** Metric it is announced with. */
  metric: number;
}

/** A parsed update line. */
export type BabelUpdate =
  | { kind: UpdateKind; type: 'interface'; value: BabelInterface }
  | { kind: UpdateKind; type: 'neighbour'; value: BabelNeighbour }
  | { kind: UpdateKind; type: 'route'; value: BabelRoute }
  | { kind: UpdateKind; type: 'xroute'; value: BabelXroute };

/** A line that is not a well-formed update. */
export class BabelParseError extends Error {
  /** Creates the error for `line`. */
  constructor(
    readonly line: string,
    reason: string,
  ) {
    super(`${reason}: ${JSON.stringify(line.slice(0, 200))}`);
    this.name = 'BabelParseError';
  }
}

const KINDS: ReadonlySet<string> = new Set<UpdateKind>(['add', 'change', 'flush']);

/** Key/value access over the fields of one line, throwing a {@link BabelParseError} on bad input. */
class Fields {
  private readonly map = new Map<string, string>();

  constructor(
    private readonly line: string,
    tokens: readonly string[],
  ) {
    if (tokens.length % 2 !== 0) throw new BabelParseError(line, 'odd number of key/value tokens');
    for (let i = 0; i < tokens.length; i += 2) this.map.set(tokens[i]!, tokens[i + 1]!);
  }

  text(key: string): string {
    const value = this.map.get(key);
    if (value === undefined || value === '') throw new BabelParseError(this.line, `missing field '${key}'`);
    return value;
  }

  optionalText(key: string): string | null {
    return this.map.get(key) || null;
  }

  int(key: string, radix: 10 | 16 = 10): number {
    const text = this.text(key);
    const pattern = radix === 16 ? /^[0-9a-f]+$/i : /^\d+$/;
    if (!pattern.test(text)) throw new BabelParseError(this.line, `field '${key}' is not an integer`);
    return parseInt(text, radix);
  }

  optionalNumber(key: string): number | null {
    if (this.optionalText(key) === null) return null;
    const text = this.text(key);
    if (!/^\d+(\.\d+)?$/.test(text)) throw new BabelParseError(this.line, `field '${key}' is not a number`);
    return Number(text);
  }

  flag(key: string, yes: string, no: string): boolean {
    const text = this.text(key);
    if (text !== yes && text !== no)
      throw new BabelParseError(this.line, `field '${key}' is neither ${yes} nor ${no}`);
    return text === yes;
  }
}

/**
 * Parses one update line (without its newline).
 * @throws {@link BabelParseError} when the line is not an update of a known object type.
 */
export function parseUpdate(line: string): BabelUpdate {
  const tokens = line.split(' ');
  const [kind, type, id] = tokens;
  if (kind === undefined || !KINDS.has(kind)) throw new BabelParseError(line, 'not an add/change/flush line');
  if (!id) throw new BabelParseError(line, 'missing object id');
  const k = kind as UpdateKind;
  const f = new Fields(line, tokens.slice(3));
  switch (type) {
    case 'interface':
      return {
        kind: k,
        type,
        value: {
          name: id,
          up: f.flag('up', 'true', 'false'),
          ipv6: f.optionalText('ipv6'),
          ipv4: f.optionalText('ipv4'),
        },
      };
    case 'neighbour':
      return {
        kind: k,
        type,
        value: {
          id,
          address: f.text('address'),
          ifname: f.text('if'),
          reach: f.int('reach', 16),
          ureach: f.int('ureach', 16),
          rxcost: f.int('rxcost'),
          txcost: f.int('txcost'),
          rttMs: f.optionalNumber('rtt'),
          rttCost: f.optionalNumber('rttcost'),
          cost: f.int('cost'),
        },
      };
    case 'route':
      return {
        kind: k,
        type,
        value: {
          id,
          prefix: f.text('prefix'),
          from: f.text('from'),
          installed: f.flag('installed', 'yes', 'no'),
          routerId: f.text('id'),
          metric: f.int('metric'),
          refmetric: f.int('refmetric'),
          via: f.text('via'),
          ifname: f.text('if'),
        },
      };
    case 'xroute':
      return {
        kind: k,
        type,
        value: { id, prefix: f.text('prefix'), from: f.text('from'), metric: f.int('metric') },
      };
    default:
      throw new BabelParseError(line, `unknown object type '${type ?? ''}'`);
  }
}

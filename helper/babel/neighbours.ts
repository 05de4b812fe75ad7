/**
 * Babel neighbours as babeld's `dump` lists them, for the helper's own waits (the node reads
 * babeld through the read-only proxy and parses far more, app/core/babel).
 */
import { babelCommand } from './control';

/** A neighbour babeld hears on one of its interfaces. */
export interface BabelNeighbour {
  /**
   * babeld's id of the entry. A flushed and re-declared interface gets new entries (new ids) for
   * the same addresses, while the old ones linger, decaying, until babeld drops them.
   */
  id: string;
  /** Its link-local address. */
  address: string;
  /** The interface it is heard on. */
  ifname: string;
  /** True when traffic can be routed through it: heard recently and hearing us (finite txcost). */
  usable: boolean;
}

/** babeld's infinite cost. */
const INFINITY = 0xffff;

const NEIGHBOUR_LINE = /^add neighbour (\S+) address (\S+) if (\S+) reach ([0-9a-f]{4}) .*\btxcost (\d+)/;

/** The neighbours in the lines of a `dump` answer. */
export function parseNeighbours(lines: readonly string[]): BabelNeighbour[] {
  return lines.flatMap((line) => {
    const m = NEIGHBOUR_LINE.exec(line);
    if (!m) return [];
    return [{ id: m[1]!, address: m[2]!, ifname: m[3]!, usable: m[4] !== '0000' && Number(m[5]) < INFINITY }];
  });
}

/** The neighbours babeld hears now, through its control socket. */
export async function babelNeighbours(controlSocket: string): Promise<BabelNeighbour[]> {
  const [dump] = await babelCommand(controlSocket, ['dump']);
  return parseNeighbours(dump ?? []);
}

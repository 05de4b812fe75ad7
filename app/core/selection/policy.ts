/**
 * The connection-selection policy (SELECTION.md's recommendation: "keep busy roads, fill the
 * quietest slot with the nearest"), as a pure function of plain inputs:
 *
 * 1. Of the k outgoing tunnels, {@link EXPLORER_SLOTS} are explorers (uniformly random peers:
 *    they keep distant clusters linked) and the rest are proximity slots.
 * 2. Empty slots are filled first: all missing explorers at once, then proximity slots one per
 *    decision, each with the nearest measured candidate.
 * 3. When the refresh period is due and every slot is full, the least useful outgoing tunnel (the
 *    fewest babel routes, then the worst RTT, then at random; at least
 *    {@link MIN_REPLACEMENT_AGE_MS} old) is replaced: an explorer by a random peer; a proximity
 *    slot by the nearest candidate (tunnel peers of our proximity neighbours plus
 *    {@link PROXIMITY_RANDOM_CANDIDATES} random peers), only if its RTT is below
 *    {@link SWAP_RTT_RATIO} × the old tunnel's. Without neighbour lists, proximity candidates are
 *    drawn by the latency-biased sampler instead.
 * 4. Always: no tunnel to ourselves, one tunnel per peer, at most k outgoing and m incoming
 *    (planHygiene); peers marked full are never asked; dead peers only when no live one is left,
 *    and then only for empty slots.
 *
 * Candidates whose RTT is needed but unknown come back in `probe`: measure them and decide again
 * with the same seed and inputs, which draws the same candidates.
 */
import { planHygiene } from './hygiene';
import { LATENCY_SAMPLE_SIZE, latencyWeightedOrder } from './latency-sampler';
import { createRandom, type Random } from './random';
import { leastUsefulFirst } from './ranking';
import type { OpenAction, OutgoingTunnel, SelectionDecision, SelectionInput, SlotKind } from './types';

/** Outgoing slots given to explorers (random targets); fewer only when k is smaller. */
export const EXPLORER_SLOTS = 2;

/** Random known peers added to the neighbours' tunnel peers as proximity candidates. */
export const PROXIMITY_RANDOM_CANDIDATES = 20;

/** A proximity tunnel is swapped only for a candidate with RTT below this fraction of its own. */
export const SWAP_RTT_RATIO = 0.9;

/** Fallback choices returned with each tunnel to open. */
export const MAX_ALTERNATIVES = 4;

/**
 * Youngest tunnel that may be replaced: babel needs time to route over a new tunnel (its metric
 * smoothing can hold a worse route 28–60 s after a start), so a younger route count says little.
 */
export const MIN_REPLACEMENT_AGE_MS = 60_000;

/** Peers we may open a tunnel to, and whether they are the dead last resort. */
interface Pool {
  prefixes: string[];
  lastResort: boolean;
}

/** Peers not linked to us, not ourselves, not full: live ones, or dead ones when none is live. */
function eligiblePool(input: SelectionInput): Pool {
  const linked = new Set([input.ourPrefix, ...input.tunnels.map((t) => t.prefix)]);
  const open = input.peers.filter((p) => !linked.has(p.prefix) && !p.full);
  const live = open.filter((p) => !p.dead).map((p) => p.prefix);
  return live.length
    ? { prefixes: live, lastResort: false }
    : { prefixes: open.map((p) => p.prefix), lastResort: open.length > 0 };
}

/** The proximity choice: nearest-first candidates below the RTT limit, or what to probe first. */
type ProximityChoice = { probe: string[] } | { ranked: string[] };

function chooseProximity(
  input: SelectionInput,
  pool: Pool,
  outgoing: readonly OutgoingTunnel[],
  rttLimit: number,
  random: Random,
): ProximityChoice {
  const lists = input.neighbourTunnelPeers;
  let candidates: string[];
  if (lists) {
    const inPool = new Set(pool.prefixes);
    const viaNeighbours = outgoing
      .filter((t) => t.slot === 'proximity')
      .flatMap((t) => lists.get(t.prefix) ?? [])
      .filter((p) => inPool.has(p));
    candidates = [
      ...new Set([...viaNeighbours, ...random.sample(pool.prefixes, PROXIMITY_RANDOM_CANDIDATES)]),
    ];
  } else {
    candidates = random.sample(pool.prefixes, LATENCY_SAMPLE_SIZE);
  }
  const probe = candidates.filter((p) => !input.candidateRtts.has(p));
  if (probe.length) return { probe };

  const measured = candidates
    .map((prefix) => ({ prefix, rttMs: input.candidateRtts.get(prefix) ?? null }))
    .filter((c): c is { prefix: string; rttMs: number } => c.rttMs !== null && c.rttMs < rttLimit);
  const ranked = lists
    ? measured.sort((a, b) => a.rttMs - b.rttMs || (a.prefix < b.prefix ? -1 : 1)).map((c) => c.prefix)
    : latencyWeightedOrder(measured, random);
  return { ranked };
}

/** Decides which tunnels to open and which to drain; see the module description. */
export function selectTunnels(input: SelectionInput): SelectionDecision {
  const random = createRandom(input.seed);
  const { drain, outgoing } = planHygiene(input, random);
  const decision: SelectionDecision = { open: [], drain, probe: [] };
  const pool = eligiblePool(input);
  const explorerTarget = Math.min(EXPLORER_SLOTS, input.clientCount);
  const slotFor = (tunnels: readonly OutgoingTunnel[]): SlotKind =>
    tunnels.filter((t) => t.slot === 'explorer').length < explorerTarget ? 'explorer' : 'proximity';

  const open = (ranked: string[], slot: SlotKind, replaces: OutgoingTunnel | null): OpenAction[] =>
    ranked.length === 0
      ? []
      : [
          {
            prefix: ranked[0]!,
            slot,
            reason: replaces ? 'replace' : 'fill',
            replaces: replaces?.id ?? null,
            alternatives: ranked.slice(1, 1 + MAX_ALTERNATIVES),
            lastResort: pool.lastResort,
          },
        ];
  const fillProximity = (replaces: OutgoingTunnel | null): OpenAction[] => {
    const limit = replaces ? SWAP_RTT_RATIO * (replaces.rttMs ?? Infinity) : Infinity;
    const choice = chooseProximity(input, pool, outgoing, limit, random);
    if ('probe' in choice) {
      decision.probe = choice.probe;
      return [];
    }
    return open(choice.ranked, 'proximity', replaces);
  };

  const vacant = input.clientCount - outgoing.length;
  if (vacant > 0) {
    if (slotFor(outgoing) === 'explorer') {
      const missing = Math.min(vacant, explorerTarget - outgoing.filter((t) => t.slot === 'explorer').length);
      const drawn = random.sample(pool.prefixes, missing + MAX_ALTERNATIVES);
      const alternatives = drawn.slice(missing);
      for (const prefix of drawn.slice(0, missing))
        decision.open.push(...open([prefix, ...alternatives], 'explorer', null));
    } else {
      decision.open.push(...fillProximity(null));
    }
    return decision;
  }

  // A working tunnel is never given up for a dead peer: those only fill empty slots.
  if (!input.refreshDue || pool.lastResort) return decision;
  const [victim] = leastUsefulFirst(
    outgoing.filter((t) => t.ageMs >= MIN_REPLACEMENT_AGE_MS),
    random,
  );
  if (!victim) return decision;
  const replacement =
    slotFor(outgoing.filter((t) => t !== victim)) === 'explorer'
      ? open(random.sample(pool.prefixes, 1 + MAX_ALTERNATIVES), 'explorer', victim)
      : fillProximity(victim);
  if (replacement.length) {
    decision.open.push(...replacement);
    decision.drain.push({ tunnelId: victim.id, prefix: victim.prefix, reason: 'fewest-routes' });
  }
  return decision;
}

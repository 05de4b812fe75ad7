/**
 * The reachability curve of `recovery.history`, from stored state transitions. Pure.
 *
 * A sample says: from `at` on, `reachable` of `total` destinations were reachable, where `total`
 * counts destinations being measured (state `up` or `down`); a destination in state `none`
 * (suspended, tracker stopped, not yet seen) counts in neither, so a suspend shows as a gap
 * (`total` 0) rather than as downtime.
 */
import type { ReachabilitySample } from '../../ipc';
import type { ReachabilityState } from './observation';
import type { z } from 'zod';

/** One sample of the curve (the API's type, before validation). */
export type Sample = z.input<typeof ReachabilitySample>;

/** The state a destination entered at `at`. */
export interface StateChange {
  /** When. */
  at: number;
  /** Which destination. */
  prefix: string;
  /** The state entered. */
  state: ReachabilityState;
}

/** Most samples one history carries (the API's bound on `RecoveryHistory.reachability`). */
export const MAX_SAMPLES = 20_000;

/**
 * The curve over [`from`, `to`): a sample at `from` from the `baseline` (each destination's last
 * state at or before `from`), then one per instant where `changes` (ascending, inside the range)
 * alter the counts. Changes at the same instant make one sample. More than `max` samples are
 * thinned by {@link thinSamples}.
 */
export function reachabilitySamples(
  from: number,
  to: number,
  baseline: readonly StateChange[],
  changes: readonly StateChange[],
  max = MAX_SAMPLES,
): Sample[] {
  const states = new Map<string, ReachabilityState>();
  const counts = { reachable: 0, total: 0 };
  const enter = ({ prefix, state }: StateChange): void => {
    const old = states.get(prefix) ?? 'none';
    counts.reachable += Number(state === 'up') - Number(old === 'up');
    counts.total += Number(state !== 'none') - Number(old !== 'none');
    states.set(prefix, state);
  };
  baseline.forEach(enter);
  const samples: Sample[] = [{ at: from, ...counts }];
  for (const c of changes) {
    enter(c);
    const last = samples[samples.length - 1]!;
    if (last.at === c.at) Object.assign(last, counts);
    else if (last.reachable !== counts.reachable || last.total !== counts.total) {
      samples.push({ at: c.at, ...counts });
    }
  }
  return thinSamples(samples, from, to, max);
}

/** How bad a sample looks: the reachable share, with "not measured" the least interesting. */
function badness(sample: Sample): number {
  return sample.total === 0 ? -Infinity : -(sample.reachable / sample.total);
}

/**
 * Keeps at most `max` samples: the first, then, for each of `max - 1` equal slices of the range,
 * the worst sample in it (lowest reachable share), so an outage stays visible however short.
 */
export function thinSamples(samples: readonly Sample[], from: number, to: number, max: number): Sample[] {
  if (samples.length <= max) return [...samples];
  const width = Math.max(1, (to - from) / (max - 1));
  const worst = new Map<number, Sample>();
  for (const sample of samples.slice(1)) {
    const slice = Math.min(max - 2, Math.floor((sample.at - from) / width));
    const kept = worst.get(slice);
    if (!kept || badness(sample) > badness(kept)) worst.set(slice, sample);
  }
  return [samples[0]!, ...worst.values()];
}

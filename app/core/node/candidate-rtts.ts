/**
 * RTTs measured by probing candidates, kept for a while so the policy's "measure then decide"
 * does not probe the same peers at every tick.
 */

/** How long a measurement stays valid. */
export const RTT_TTL_MS = 10 * 60_000;

/** Most measurements kept; the oldest go first. */
export const MAX_RTT_ENTRIES = 1_000;

/** Measured RTTs by peer prefix; null records a probe that got no answer. */
export class CandidateRtts {
  private readonly entries = new Map<string, { rttMs: number | null; at: number }>();

  /** Records a measurement made at `now`. */
  set(prefix: string, rttMs: number | null, now: number): void {
    this.entries.delete(prefix);
    this.entries.set(prefix, { rttMs, at: now });
    if (this.entries.size > MAX_RTT_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The valid measurement of `prefix` (undefined when none or expired). */
  get(prefix: string, now: number): number | null | undefined {
    const entry = this.entries.get(prefix);
    return entry && now - entry.at < RTT_TTL_MS ? entry.rttMs : undefined;
  }

  /** Every valid measurement, as the policy takes them. */
  snapshot(now: number): Map<string, number | null> {
    const valid = new Map<string, number | null>();
    for (const [prefix, entry] of this.entries)
      if (now - entry.at < RTT_TTL_MS) valid.set(prefix, entry.rttMs);
    return valid;
  }
}

/**
 * The recovery domain: reachability history, outages and the recovery-time distribution for the
 * chosen period and destination, and the timeline of recovery events.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { RecoveryDistributionT, RecoveryEventT, RecoveryHistoryT } from '../../app/ipc';
import { useApi } from '../composables/useApi';
import { commandRunner } from './command';

/** Periods the Recovery view offers, in ms. */
export const RECOVERY_PERIODS_MS = { hour: 3_600_000, day: 86_400_000, week: 604_800_000 } as const;

/** A key of {@link RECOVERY_PERIODS_MS}. */
export type RecoveryPeriod = keyof typeof RECOVERY_PERIODS_MS;

/** How many timeline entries the store keeps. */
export const MAX_TIMELINE = 500;

/** Events after which the history and distribution are read again. */
const RELOAD_ON = new Set<RecoveryEventT['kind']>(['outage-started', 'recovered']);

/** The recovery store. */
export const useRecoveryStore = defineStore('recovery', () => {
  const api = useApi();
  const period = ref<RecoveryPeriod>('hour');
  /** The peer to show, or null for the whole mesh. */
  const peer = ref<string | null>(null);
  const history = ref<RecoveryHistoryT | null>(null);
  const distribution = ref<RecoveryDistributionT | null>(null);
  /** Newest first. */
  const timeline = ref<RecoveryEventT[]>([]);
  const command = commandRunner();

  /** Share of the period during which destinations were reachable (time-weighted), or null without data. */
  const availability = computed(() => {
    const h = history.value;
    if (!h || h.reachability.length === 0) return null;
    let weighted = 0;
    let span = 0;
    h.reachability.forEach((sample, i) => {
      const end = h.reachability[i + 1]?.at ?? h.to;
      const length = Math.max(0, end - sample.at);
      if (sample.total > 0) {
        weighted += (sample.reachable / sample.total) * length;
        span += length;
      }
    });
    return span > 0 ? weighted / span : null;
  });

  /** The longest outage of the period in ms (an ongoing one counts up to the period's end). */
  const longestOutageMs = computed(() =>
    Math.max(0, ...(history.value?.outages ?? []).map((o) => (o.end ?? history.value!.to) - o.start)),
  );

  /** Reads history and distribution for the current period and destination. */
  async function load(): Promise<void> {
    const query = { from: Date.now() - RECOVERY_PERIODS_MS[period.value], peer: peer.value };
    const loaded = await command.run(() =>
      Promise.all([api.recovery.history(query), api.recovery.distribution(query)]),
    );
    if (!loaded) return;
    [history.value, distribution.value] = loaded;
    timeline.value = [...loaded[0].events].sort((a, b) => b.at - a.at).slice(0, MAX_TIMELINE);
  }

  /** Shows another period or destination. */
  async function select(next: { period?: RecoveryPeriod; peer?: string | null }): Promise<void> {
    if (next.period !== undefined) period.value = next.period;
    if (next.peer !== undefined) peer.value = next.peer;
    await load();
  }

  /** Takes a `recovery.recorded` event: adds it to the timeline, and re-reads the history when an outage starts or ends. */
  async function record(event: RecoveryEventT): Promise<void> {
    timeline.value = [event, ...timeline.value].slice(0, MAX_TIMELINE);
    if (history.value && RELOAD_ON.has(event.kind)) await load();
  }

  return {
    period,
    peer,
    history,
    distribution,
    timeline,
    availability,
    longestOutageMs,
    pending: command.pending,
    error: command.error,
    load,
    select,
    record,
  };
});

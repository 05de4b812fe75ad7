/** How numbers, times and durations read on screen. Pure functions, shared by every view. */

/** A duration: `850 ms`, `4.4 s`, `2 min 5 s`, `3 h 2 min`, `2 d 4 h`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const total = Math.round(s);
  const [d, h, m, rest] = [
    Math.floor(total / 86_400),
    Math.floor(total / 3600) % 24,
    Math.floor(total / 60) % 60,
    total % 60,
  ];
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return rest > 0 ? `${m} min ${rest} s` : `${m} min`;
}

/** A data rate: `170 B/s`, `3.4 kB/s`, `1.2 MB/s`. */
export function formatRate(bytesPerSecond: number): string {
  if (bytesPerSecond < 1000) return `${Math.round(bytesPerSecond)} B/s`;
  if (bytesPerSecond < 1_000_000) return `${(bytesPerSecond / 1000).toFixed(1)} kB/s`;
  return `${(bytesPerSecond / 1_000_000).toFixed(1)} MB/s`;
}

/** A round-trip time, or a dash before the first measurement. */
export function formatRtt(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** A share as a whole percentage: `73 %`. */
export function formatShare(share: number): string {
  return `${Math.round(share * 100)} %`;
}

/** A moment, in the user's locale. */
export function formatTime(at: number): string {
  return new Date(at).toLocaleString();
}

/** A count with its noun: `1 outage`, `3 outages`. */
export function formatCount(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

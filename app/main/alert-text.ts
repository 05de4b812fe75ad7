/** The words of each desktop notification. Pure. */
import type { Alert } from './alert-policy';

/** Title and body of a notification. */
export interface AlertText {
  readonly title: string;
  readonly body: string;
}

/** Formats a duration for a notification: `850 ms`, `4.2 s`, `3 min 5 s`. */
export function formatAlertDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.round(ms / 100) / 10).toString()} s`;
  const totalS = Math.round(ms / 1_000);
  const minutes = Math.floor(totalS / 60);
  const seconds = totalS % 60;
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
}

/** The notification text for `alert`. */
export function alertText(alert: Alert): AlertText {
  switch (alert.kind) {
    case 'helper-lost':
      return {
        title: 'vifibnet helper stopped',
        body: 'The mesh cannot change until the helper runs again. Open vifibnet to start it.',
      };
    case 'mesh-degraded':
      return {
        title: 'Mesh degraded',
        body:
          alert.totalPeers > 0
            ? `${alert.unreachablePeers} of ${alert.totalPeers} peers unreachable; vifibnet is rerouting.`
            : 'Some destinations are unreachable; vifibnet is rerouting.',
      };
    case 'mesh-recovered':
      return {
        title: 'Mesh recovered',
        body: `Every peer is reachable again, after ${formatAlertDuration(alert.afterMs)}.`,
      };
  }
}

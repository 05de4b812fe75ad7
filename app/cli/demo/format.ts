/** Text formats shared by the demo's outputs. */

/** Milliseconds as seconds with one decimal: `2.4 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The local time of day, `HH:MM:SS`. */
export function clock(at = new Date()): string {
  return at.toTimeString().slice(0, 8);
}

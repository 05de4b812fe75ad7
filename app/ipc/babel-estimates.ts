/**
 * What a babel hello interval costs and buys, estimated from figures measured on the project's
 * machines (TOOLCHAIN.md: OpenVPN 2.6 UDP tunnels + babeld 1.12, 5-node ring, silent link cut).
 * Pure functions: Settings calls them on every keystroke.
 *
 * Failure detection (how long a destination stays unreachable after its path dies):
 * - wired/tunnel links: ≈ 4 × hello + 0.4 s; ≈ 3 × hello when the backup route is already usable;
 * - wireless mode: ≈ 6 × hello (metric smoothing keeps the dead route longer). Only this one
 *   figure was measured, so it serves as both the expected and the fastest case.
 *
 * Control traffic per tunnel, fitted to two measurements (≈ 170 B/s at a 1 s hello, ≈ 840 B/s at
 * 0.2 s) with the model `cost = base + perHello / hello`: every hello period sends one round of
 * hellos, IHUs and updates (≈ 167.5 B), plus a tiny constant (≈ 2.5 B/s) for what does not
 * follow the hello clock. Both points fit exactly. Wireless mode sends the same hellos, so the
 * same model is used for it.
 */
import type { LinkModeT } from './domain';

/** Detection time per hello interval and fixed overhead, by link mode (seconds per second, seconds). */
export const DETECTION_MODEL = {
  wired: { perHello: 4, overheadS: 0.4, fastestPerHello: 3 },
  wireless: { perHello: 6, overheadS: 0, fastestPerHello: 6 },
} as const satisfies Record<LinkModeT, { perHello: number; overheadS: number; fastestPerHello: number }>;

/** Babel control traffic of one tunnel: `baseBps + bytesPerHello / hello` bytes per second. */
export const TRAFFIC_MODEL = { baseBps: 2.5, bytesPerHello: 167.5 } as const;

/** Inputs of {@link estimateBabel}. */
export interface BabelEstimateInput {
  /** Hello interval, in seconds. */
  helloIntervalS: number;
  linkMode: LinkModeT;
  /** How many tunnels carry babel (the control traffic is per tunnel). */
  tunnels: number;
}

/** Output of {@link estimateBabel}. */
export interface BabelEstimate {
  /** Expected time to notice a dead path and switch, in seconds. */
  detectionS: number;
  /** Same, when a backup route is already usable, in seconds. */
  fastestDetectionS: number;
  /** Babel control traffic of one tunnel, in bytes per second (both directions). */
  bytesPerSecondPerTunnel: number;
  /** How many tunnels {@link bytesPerSecond} counts. */
  tunnels: number;
  /** Same, over all `tunnels`. */
  bytesPerSecond: number;
}

/** Estimates failure detection time and control-traffic cost for a hello interval and link mode. */
export function estimateBabel(input: BabelEstimateInput): BabelEstimate {
  const hello = input.helloIntervalS;
  const detection = DETECTION_MODEL[input.linkMode];
  const perTunnel = TRAFFIC_MODEL.baseBps + TRAFFIC_MODEL.bytesPerHello / hello;
  const tunnels = Math.max(0, input.tunnels);
  return {
    detectionS: detection.perHello * hello + detection.overheadS,
    fastestDetectionS: detection.fastestPerHello * hello,
    bytesPerSecondPerTunnel: perTunnel,
    tunnels,
    bytesPerSecond: perTunnel * tunnels,
  };
}

/**
 * Chaos mode of the demo: at random intervals, silently cut a random underlay path (usually
 * between two nodes joined by a tunnel, sometimes one node's whole link) for a random time,
 * then restore it, printing each outage and the recovery measured by a 50 ms UDP probe between
 * the affected nodes: when traffic resumed (rerouted around the cut, or after the restore) and
 * how many probes were lost.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../../core/log';
import { clock, seconds } from './format';
import type { Mesh } from './mesh';
import type { MeshNode } from './node';
import type { Probe } from './prober';
import { cuttableTunnels } from './tunnels';
import { describeCut, type Cut } from './underlay';

/** Options of {@link runChaos}. */
export interface ChaosOptions {
  /** Where the outage lines go. */
  write: (line: string) => void;
  /** Ends the chaos (the cut in force, if any, is restored first). */
  signal: AbortSignal;
  /** For failures that do not stop the chaos. */
  log: Logger;
  /** Pause between two cuts, ms (default 8–20 s). */
  pauseMs?: [number, number];
  /** Length of a cut, ms (default 4–20 s). */
  cutMs?: [number, number];
  /** Share of cuts that take a node's whole link rather than one tunnel's path (default 0.25). */
  wholeLinkShare?: number;
  /** Random numbers in [0, 1) (default Math.random). */
  random?: () => number;
}

/** How long a probe may take to get its first answer before a cut. */
const PROBE_UP_TIMEOUT_MS = 10_000;

/** How long to wait, after a restore, for traffic that has not resumed yet. */
const AFTER_RESTORE_TIMEOUT_MS = 60_000;

/** Probing that goes on after a restore, to catch losses the restore itself causes. */
const SETTLE_MS = 2_000;

/** Sleeps `ms`; resolves false instead when `signal` aborts first. */
async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

function between([min, max]: [number, number], random: () => number): number {
  return min + random() * (max - min);
}

/**
 * Chooses the next cut and the pair of nodes whose traffic it affects: usually a tunnel that
 * carries routes and has an alternative (so the mesh can route around it), else one node's link.
 */
async function chooseCut(
  mesh: Mesh,
  share: number,
  random: () => number,
): Promise<{ cut: Cut; from: MeshNode; to: MeshNode }> {
  const pick = <T>(choices: readonly T[]): T | undefined => choices[Math.floor(random() * choices.length)];
  const tunnel = random() < share ? undefined : pick(await cuttableTunnels(mesh));
  if (tunnel) return { cut: { a: tunnel.from.index, b: tunnel.to.index }, from: tunnel.from, to: tunnel.to };
  const from = pick(mesh.nodes)!;
  return { cut: { a: from.index }, from, to: pick(mesh.nodes.filter((n) => n !== from))! };
}

/** Runs one outage: probe, cut, wait, restore, report. */
async function outage(mesh: Mesh, options: ChaosOptions, random: () => number): Promise<void> {
  const { write, signal } = options;
  const { cut, from, to } = await chooseCut(mesh, options.wholeLinkShare ?? 0.25, random);
  const what = describeCut(cut, (i) => mesh.nodes[i]!.name);
  const path = `${from.name}→${to.name}`;
  const probe: Probe = from.agent.probe(to.address);
  try {
    try {
      await probe.waitUp(PROBE_UP_TIMEOUT_MS);
    } catch {
      write(`  ${path} does not answer yet; no cut this time`);
      return;
    }
    const lengthMs = between(options.cutMs ?? [4_000, 20_000], random);
    await mesh.underlay.cut(cut);
    const cutAt = Date.now();
    write(
      `[${clock()}] outage: ${what} cut for ${seconds(lengthMs)} (packets dropped, links up), probing ${path}`,
    );
    const rerouted = await Promise.race([
      probe.nextOutage(lengthMs, cutAt).catch(() => undefined),
      sleep(lengthMs, signal).then(() => undefined),
    ]);
    if (rerouted) {
      write(
        `  ${path} recovered in ${seconds(rerouted.lengthMs)} over another path (${rerouted.lost} probes lost)`,
      );
      await sleep(cutAt + lengthMs - Date.now(), signal);
    }
    await mesh.underlay.restore(cut);
    const restoredAt = Date.now();
    write(`  ${what} restored after ${seconds(restoredAt - cutAt)}`);
    if (!rerouted && !signal.aborted) {
      const back = await probe.nextOutage(AFTER_RESTORE_TIMEOUT_MS, cutAt).catch(() => undefined);
      write(
        back
          ? `  ${path} recovered ${seconds(Math.max(0, back.startedAt + back.lengthMs - restoredAt))} after the restore (outage ${seconds(back.lengthMs)}, ${back.lost} probes lost)`
          : `  ${path} still silent ${seconds(AFTER_RESTORE_TIMEOUT_MS)} after the restore`,
      );
    }
    await sleep(SETTLE_MS, signal);
  } finally {
    await mesh.underlay.restore(cut).catch(() => undefined);
    const report = await probe.stop().catch(() => undefined);
    if (report)
      write(
        `  probe ${path}: ${report.sent} sent, ${report.lost} lost, longest gap ${seconds(report.longestGapMs)}`,
      );
  }
}

/** Cuts and restores underlay paths until `options.signal` aborts. */
export async function runChaos(mesh: Mesh, options: ChaosOptions): Promise<void> {
  const random = options.random ?? Math.random;
  while (await sleep(between(options.pauseMs ?? [8_000, 20_000], random), options.signal)) {
    try {
      await outage(mesh, options, random);
    } catch (err) {
      options.log.warn('Chaos round failed', { reason: err instanceof Error ? err.message : String(err) });
    }
  }
}

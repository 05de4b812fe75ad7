/**
 * One failover measurement: probe from one end of a tunnel to the other every 50 ms, silently
 * cut the underlay path under the tunnel, wait for the answers to resume while the cut is still
 * in force (the mesh has routed around it), restore the path. The end-to-end tests assert it;
 * the mesh benchmark repeats it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Mesh } from './mesh';
import type { ProbeOutageT, ProbeReportT } from './probe-agent';
import type { TunnelEdge } from './tunnels';

/** Probing before the cut, so the probe's path is settled and a baseline recorded. */
const BASELINE_MS = 1_000;

/** What one failover measured. */
export interface Failover {
  /** The outage the cut caused: from the last answer before it to the first one after. */
  outage: ProbeOutageT;
  /** The probe's whole report (before, during and after the cut). */
  report: ProbeReportT;
}

/**
 * Cuts the path of `tunnel` and measures how long its ends could not talk. Rejects when answers
 * have not resumed within `deadlineMs` of the cut; the path is restored in every case.
 */
export async function measureFailover(mesh: Mesh, tunnel: TunnelEdge, deadlineMs: number): Promise<Failover> {
  const { from, to } = tunnel;
  const probe = from.agent.probe(to.address);
  try {
    await probe.waitUp(10_000);
    await delay(BASELINE_MS);
    const cut = await mesh.underlay.cut({ a: from.index, b: to.index });
    let outage: ProbeOutageT;
    try {
      outage = await probe.nextOutage(deadlineMs, Date.now());
    } finally {
      await mesh.underlay.restore(cut);
    }
    return { outage, report: await probe.stop() };
  } catch (err) {
    await probe.stop().catch(() => undefined);
    throw err;
  }
}

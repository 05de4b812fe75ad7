/**
 * What the engine checks when the machine wakes up (NodeEngine.resume). Timers slept with the
 * machine, so instead of waiting for the next tick or OpenVPN's keepalive it verifies at once:
 *
 * 1. the helper's status is read again: tunnels the helper no longer runs are forgotten (not the
 *    peers' fault), sessions it reports down are marked down and up ones up;
 * 2. the peer of every up outgoing tunnel is probed, up to {@link RESUME_PROBE_ATTEMPTS} times:
 *    a peer that answers none cannot be holding the session, which therefore did not survive the
 *    sleep; its tunnel is closed at once as a lost session (a failure of the peer, as a session
 *    down past its deadline). When no peer answers at all, this machine's own network is most
 *    likely not back yet, so nothing is closed on that evidence: the session deadline and babel
 *    decide as usual;
 * 3. the manager ticks at once: it reads the babel table again (routes through each tunnel, the
 *    incoming tunnels), fails sessions down past their deadline and refills the freed slots
 *    through the normal policy.
 *
 * The whole check is logged as one step, {@link RESUME_STEP}, with its duration.
 */
import type { Logger } from '../log';
import type { TunnelManager } from './tunnel-manager';

/** What the check is logged as (a start line, then a completion line with the duration). */
export const RESUME_STEP = 'Re-verifying tunnels after resume';

/** Probes sent to each tunnel peer before its session is judged lost (each waits ≈ 1 s). */
export const RESUME_PROBE_ATTEMPTS = 3;

/** A client tunnel as the helper's status reports it. */
export interface HelperClientTunnel {
  /** Its device. */
  device: string;
  /** True while OpenVPN reports its session up. */
  up: boolean;
}

/** What the check works with. */
export interface ResumeCheckPorts {
  /** The tunnel manager; no tick may run while the check does. */
  manager: Pick<
    TunnelManager,
    'tunnels' | 'forgetMissing' | 'markUp' | 'markDown' | 'closeLostSession' | 'tick'
  >;
  /** The helper's client tunnels now, from a fresh `status` call. */
  helperClients: () => Promise<readonly HelperClientTunnel[]>;
  /** Probes the peer of prefix `prefix` once: its RTT in ms, or null without an answer. */
  probe: (prefix: string) => Promise<number | null>;
  /** Logger. */
  logger: Logger;
}

/** What the check found. */
export interface ResumeCheckResult {
  /** Up outgoing tunnels whose peer was probed. */
  probed: number;
  /** Devices closed because their session did not survive the sleep. */
  lost: string[];
  /** Devices forgotten because the helper no longer runs them. */
  forgotten: string[];
}

async function answers(probe: ResumeCheckPorts['probe'], prefix: string): Promise<boolean> {
  for (let attempt = 0; attempt < RESUME_PROBE_ATTEMPTS; attempt++)
    if ((await probe(prefix)) !== null) return true;
  return false;
}

/** Re-verifies every tunnel after a sleep, as the step {@link RESUME_STEP}; see the module description. */
export function reverifyTunnels(ports: ResumeCheckPorts): Promise<ResumeCheckResult> {
  const up = ports.manager.tunnels().filter((t) => t.direction === 'outgoing' && t.state === 'up');
  return ports.logger.step(RESUME_STEP, () => check(ports), { tunnels: up.length });
}

async function check(ports: ResumeCheckPorts): Promise<ResumeCheckResult> {
  const { manager, logger } = ports;
  const clients = await ports.helperClients();
  const before = manager.tunnels().filter((t) => t.direction === 'outgoing');
  manager.forgetMissing(new Set(clients.map((c) => c.device)));
  const kept = new Set(manager.tunnels().map((t) => t.device));
  const forgotten = before.filter((t) => !kept.has(t.device)).map((t) => t.device);
  for (const client of clients) {
    if (client.up) manager.markUp(client.device);
    else manager.markDown(client.device);
  }

  const up = manager.tunnels().filter((t) => t.direction === 'outgoing' && t.state === 'up');
  const verdicts = await Promise.all(
    up.map(async (t) => ({ tunnel: t, alive: await answers(ports.probe, t.prefix) })),
  );
  const silent = verdicts.filter((v) => !v.alive).map((v) => v.tunnel);
  const lost: string[] = [];
  if (silent.length > 0 && silent.length === verdicts.length) {
    logger.warn('No tunnel peer answered after resume; the network may not be back yet: closing nothing', {
      tunnels: silent.length,
    });
  } else {
    for (const t of silent) {
      logger.info('Closing a tunnel whose session did not survive the sleep', {
        peer: t.peer,
        device: t.device,
        probes: RESUME_PROBE_ATTEMPTS,
      });
      if (await manager.closeLostSession(t.device, 'no answer from the peer after resume'))
        lost.push(t.device);
    }
  }
  await manager.tick();
  return { probed: verdicts.length, lost, forgotten };
}

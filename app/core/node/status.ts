/**
 * The running node's status, as `vifibnet status` shows it and the control socket serves it: one
 * schema (the CLI validates what it reads) and one text formatter. Field names follow the UI's
 * API (app/ipc/domain.ts: `Tunnel.peer/direction/state/routes/rttMs/since`,
 * `RegistryStatus.url/reachable/checkedAt`) so the desktop app can map it field for field.
 */
import { z } from 'zod';

/** Life stage of a tunnel (the UI's `TunnelState`). */
export const TunnelStateSchema = z.enum(['opening', 'up', 'draining', 'closed']);

/** One tunnel. */
export const TunnelStatusSchema = z.object({
  /** The peer's certificate name. */
  peer: z.string(),
  /** The peer's prefix. */
  prefix: z.string(),
  /** Whether this node opened it (a client slot) or the peer did (on our listener). */
  direction: z.enum(['outgoing', 'incoming']),
  /** The device carrying it (the listener's shared tap device for incoming tunnels). */
  device: z.string(),
  /** The outgoing slot it fills, null for incoming tunnels. */
  slot: z.enum(['explorer', 'proximity']).nullable(),
  state: TunnelStateSchema,
  /** Babel routes installed through it. */
  routes: z.number().int().min(0),
  /** RTT to the peer in ms (babel's timestamps, else our probe), null when unknown. */
  rttMs: z.number().min(0).nullable(),
  /** When it was opened (or first seen, for incoming), ms since the epoch. */
  since: z.number().int(),
});

/** Peer DB totals. */
export const PeerTotalsSchema = z.object({
  known: z.number().int().min(0),
  alive: z.number().int().min(0),
  dead: z.number().int().min(0),
});

/** Whether the registry answered lately. */
export const RegistryReachabilitySchema = z.object({
  url: z.string(),
  /** Null until the first call. */
  reachable: z.boolean().nullable(),
  checkedAt: z.number().int().nullable(),
  lastError: z.string().nullable(),
});

/** Things counted since the node started. */
export const CountersSchema = z.object({
  tunnelsOpened: z.number().int().min(0),
  tunnelsUp: z.number().int().min(0),
  tunnelsFailed: z.number().int().min(0),
  tunnelsDrained: z.number().int().min(0),
  probesSent: z.number().int().min(0),
  probesAnswered: z.number().int().min(0),
  exchangeRounds: z.number().int().min(0),
  exchangeAnswers: z.number().int().min(0),
  recordsLearned: z.number().int().min(0),
  recordsRejected: z.number().int().min(0),
  announces: z.number().int().min(0),
  bootstraps: z.number().int().min(0),
});

/** The whole status. */
export const NodeStatusSchema = z.object({
  node: z.object({ name: z.string(), prefix: z.string(), address: z.string(), networkPrefix: z.string() }),
  startedAt: z.number().int(),
  /** True once the first setup finished (`node ready` was printed). */
  ready: z.boolean(),
  tunnels: z.array(TunnelStatusSchema),
  peers: PeerTotalsSchema,
  registry: RegistryReachabilitySchema,
  counters: CountersSchema,
});

/** @see TunnelStatusSchema */
export type TunnelStatus = z.infer<typeof TunnelStatusSchema>;
/** @see TunnelStateSchema */
export type TunnelState = z.infer<typeof TunnelStateSchema>;
/** @see PeerTotalsSchema */
export type PeerTotals = z.infer<typeof PeerTotalsSchema>;
/** @see RegistryReachabilitySchema */
export type RegistryReachability = z.infer<typeof RegistryReachabilitySchema>;
/** @see CountersSchema */
export type Counters = z.infer<typeof CountersSchema>;
/** @see NodeStatusSchema */
export type NodeStatus = z.infer<typeof NodeStatusSchema>;

/** Counters at zero. */
export function zeroCounters(): Counters {
  return {
    tunnelsOpened: 0,
    tunnelsUp: 0,
    tunnelsFailed: 0,
    tunnelsDrained: 0,
    probesSent: 0,
    probesAnswered: 0,
    exchangeRounds: 0,
    exchangeAnswers: 0,
    recordsLearned: 0,
    recordsRejected: 0,
    announces: 0,
    bootstraps: 0,
  };
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

function registryLine(r: RegistryReachability, now: number): string {
  const state = r.reachable === null ? 'not tried yet' : r.reachable ? 'reachable' : 'unreachable';
  const when = r.checkedAt === null ? '' : ` (checked ${age(now - r.checkedAt)} ago)`;
  const why = r.reachable === false && r.lastError ? `: ${r.lastError}` : '';
  return `${r.url} ${state}${when}${why}`;
}

/** The status as the lines `vifibnet status` prints. Pure. */
export function formatStatus(status: NodeStatus, now: number): string {
  const { node, peers, counters: c } = status;
  const lines = [
    `node      ${node.name}${status.ready ? '' : ' (starting)'}, up ${age(now - status.startedAt)}`,
    `prefix    ${node.prefix}`,
    `address   ${node.address}`,
    `registry  ${registryLine(status.registry, now)}`,
    `peers     ${peers.known} known, ${peers.alive} alive, ${peers.dead} dead`,
    `tunnels   ${status.tunnels.length}`,
  ];
  const rows = status.tunnels.map((t) => [
    t.peer,
    t.direction === 'outgoing' ? `out/${t.slot ?? '-'}` : 'in',
    t.device,
    t.state,
    String(t.routes),
    t.rttMs === null ? '-' : `${t.rttMs.toFixed(1)} ms`,
    age(now - t.since),
  ]);
  if (rows.length) {
    const header = ['PEER', 'DIRECTION', 'DEVICE', 'STATE', 'ROUTES', 'RTT', 'AGE'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const row of [header, ...rows])
      lines.push(`  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd());
  }
  lines.push(
    `counters  tunnels ${c.tunnelsOpened} opened / ${c.tunnelsUp} up / ${c.tunnelsFailed} failed / ${c.tunnelsDrained} drained; ` +
      `probes ${c.probesAnswered}/${c.probesSent}; exchange ${c.exchangeAnswers} answers in ${c.exchangeRounds} rounds, ` +
      `${c.recordsLearned} records learned, ${c.recordsRejected} rejected; registry ${c.announces} announces, ${c.bootstraps} bootstraps`,
  );
  return lines.join('\n');
}

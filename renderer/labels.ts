/** The words the UI uses for the API's states and kinds, in one place. */
import type {
  ConnectionStateT,
  LinkModeT,
  LogLevelT,
  PeerStateT,
  RecoveryEventT,
  SettingName,
  TunnelT,
} from '../app/ipc';
import type { RecoveryPeriod } from './stores/recovery';

/** Mesh states. */
export const CONNECTION_LABELS: Record<ConnectionStateT, string> = {
  disconnected: 'Disconnected',
  connecting: 'Connecting…',
  connected: 'Connected',
  degraded: 'Degraded',
  disconnecting: 'Disconnecting…',
  'helper-unreachable': 'Helper not running',
};

/** Peer states. */
export const PEER_STATE_LABELS: Record<PeerStateT, string> = {
  connected: 'Tunnel up',
  connecting: 'Opening tunnel',
  reachable: 'Reachable via mesh',
  unreachable: 'Unreachable',
  dead: 'Dead',
};

/** Tunnel states. */
export const TUNNEL_STATE_LABELS: Record<TunnelT['state'], string> = {
  opening: 'Opening',
  up: 'Up',
  draining: 'Draining',
  closed: 'Closed',
};

/** Tunnel directions. */
export const DIRECTION_LABELS: Record<TunnelT['direction'], string> = {
  outgoing: 'Outgoing',
  incoming: 'Incoming',
};

/** Recovery timeline entries. */
export const RECOVERY_KIND_LABELS: Record<RecoveryEventT['kind'], string> = {
  'outage-started': 'Outage started',
  'tunnel-lost': 'Tunnel lost',
  'route-switched': 'Route switched',
  recovered: 'Recovered',
  suspended: 'Suspended',
  resumed: 'Resumed',
};

/** Log levels. */
export const LOG_LEVEL_LABELS: Record<LogLevelT, string> = {
  debug: 'Debug',
  info: 'Info',
  warn: 'Warning',
  error: 'Error',
};

/** Link modes. */
export const LINK_MODE_LABELS: Record<LinkModeT, string> = {
  wired: 'Wired (Ethernet, or tunnels over a stable network)',
  wireless: 'Wireless (lossy Wi-Fi links: slower to decide, fewer false alarms)',
};

/** Settings fields. */
export const SETTING_LABELS: Record<SettingName, string> = {
  helloIntervalS: 'Hello interval (seconds)',
  linkMode: 'Link mode',
  clientCount: 'Tunnels this node opens',
  maxClients: 'Tunnels other nodes may open to this one',
  tunnelRefreshS: 'Tunnel refresh interval (seconds)',
  registryUrl: 'Registry address',
};

/**
 * When a change of `maxClients` reaches the running node: its OpenVPN listener can only take a
 * new value by restarting, which would drop every incoming tunnel (app/core/node/listener.ts).
 */
export const MAX_CLIENTS_HINT =
  'Applies at once while no other node has a tunnel to this one; otherwise at the next connect, ' +
  'because restarting the listener would drop every incoming tunnel. A lower value is honoured ' +
  'at once all the same: from that many on, other nodes are told this one is full.';

/** Recovery periods. */
export const PERIOD_LABELS: Record<RecoveryPeriod, string> = {
  hour: 'Last hour',
  day: 'Last 24 hours',
  week: 'Last 7 days',
};

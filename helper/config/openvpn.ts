/**
 * Pure writers of OpenVPN 2.6 configurations for the helper's listener (tap server) and client
 * tunnels. Input is typed fields only; output is the whole configuration text. The directive set
 * is fixed here: no `script-security` above 1, no `up`/`down`/`plugin`/`management`/`log`/
 * `config`/`status` directive is ever written, and every path is chosen by the helper.
 *
 * Design (see helper/ops/openvpn.ts for the tap-server decision and its measurements):
 * - TLS with the installed CA, certificate and key; EC keys, so `dh none` (ECDHE only).
 *   Node certificates are both TLS client and server (both EKUs), so roles are not checked with
 *   `remote-cert-tls`; instead clients pin the peer with `verify-x509-name <peerName> name`, and
 *   listeners accept any certificate of the CA that is not on the CRL (`crl-verify`, re-read on
 *   every handshake).
 * - AEAD data ciphers only, compression refused, `persist-tun` on a device the helper created.
 * - Logs go to stdout (the supervisor reads them); `Initialization Sequence Completed` marks up.
 * - Clients accept only the handful of pushed options that data-channel negotiation needs
 *   (`pull-filter`), so a peer's server cannot push routes, addresses or a redirect-gateway, and
 *   `ifconfig-noexec`/`route-noexec` keep OpenVPN from touching addresses and routes at all.
 * - Keepalive: see {@link KEEPALIVE}.
 */
import { int, token } from './directives';

/** AEAD ciphers offered for the data channel, strongest first. */
export const DATA_CIPHERS = 'AES-256-GCM:CHACHA20-POLY1305:AES-128-GCM';

/**
 * OpenVPN keepalive, the tunnel-level failure detector. Babel's hellos detect a dead link first
 * (≈ 4 × hello interval: 0.8–4 s at the Settings values), so OpenVPN's own timer only has to
 * recover the *session* — a peer that restarted or a NAT mapping that expired — and not race
 * babel. A ping every 2 s keeps NAT mappings alive on both sides; a client restarts its session
 * after 10 s without traffic (`ping-restart`), which re-resolves and reconnects while the tap
 * device persists; the listener, in server mode, drops a silent client after 20 s (OpenVPN
 * doubles the server side of `keepalive`) and pushes the client values.
 */
export const KEEPALIVE = { pingS: 2, restartS: 10 } as const;

/** Credential paths every tunnel uses (all helper-chosen). */
export interface TlsPaths {
  /** CA certificate. */
  ca: string;
  /** This node's certificate. */
  cert: string;
  /** This node's private key. */
  key: string;
  /** The CA's CRL, when one was installed. */
  crl: string | null;
}

/** Fields of a listener (tap server) configuration. */
export interface ListenerFields {
  /** The listener's tap device (created by the helper). */
  device: string;
  /** Transport. */
  protocol: 'udp' | 'tcp';
  /** Port to listen on (all addresses, IPv4 and IPv6). */
  port: number;
  /** Most simultaneous clients. */
  maxClients: number;
  /** Credentials. */
  tls: TlsPaths;
}

/** Fields of a client tunnel configuration. */
export interface ClientFields {
  /** The client's tap device (created by the helper). */
  device: string;
  /** Transport. */
  protocol: 'udp' | 'tcp';
  /** Peer's address or host name. */
  remote: string;
  /** Peer's port. */
  port: number;
  /** Common name the peer's certificate must carry. */
  peerName: string;
  /** Credentials. */
  tls: TlsPaths;
}

/** Options pushed by a listener that a client accepts; everything else is ignored. */
export const ACCEPTED_PUSH_PREFIXES = [
  'cipher ',
  'peer-id ',
  'protocol-flags ',
  'tun-mtu ',
  'ping ',
  'ping-restart ',
];

function header(): string[] {
  return ['# Written by the vifibnet helper from validated fields. Do not edit: it is rewritten.'];
}

function tlsLines(tls: TlsPaths): string[] {
  const lines = [
    `ca ${token('path', 'ca', tls.ca)}`,
    `cert ${token('path', 'cert', tls.cert)}`,
    `key ${token('path', 'key', tls.key)}`,
  ];
  if (tls.crl !== null) lines.push(`crl-verify ${token('path', 'crl', tls.crl)}`);
  return lines;
}

function commonLines(device: string): string[] {
  return [
    `dev ${token('device', 'device', device)}`,
    'dev-type tap',
    'disable-dco',
    'dh none',
    'tls-version-min 1.2',
    `data-ciphers ${DATA_CIPHERS}`,
    'allow-compression no',
    'persist-tun',
    'persist-key',
    'ifconfig-noexec',
    'route-noexec',
    'script-security 1',
    'suppress-timestamps',
    'verb 3',
  ];
}

/** Configuration text of the tap-server listener. */
export function listenerConfig(f: ListenerFields): string {
  const lines = [
    ...header(),
    'mode server',
    'tls-server',
    ...commonLines(f.device),
    `proto ${f.protocol === 'udp' ? 'udp' : 'tcp-server'}`,
    `port ${int('port', f.port, 1, 65535)}`,
    `max-clients ${int('maxClients', f.maxClients, 1, 1024)}`,
    `keepalive ${int('ping', KEEPALIVE.pingS, 1, 60)} ${int('ping-restart', KEEPALIVE.restartS, 2, 600)}`,
    ...tlsLines(f.tls),
  ];
  if (f.protocol === 'udp') lines.push('explicit-exit-notify 1');
  return `${lines.join('\n')}\n`;
}

/** Configuration text of an outgoing tap client tunnel. */
export function clientConfig(f: ClientFields): string {
  const lines = [
    ...header(),
    'client',
    ...commonLines(f.device),
    `proto ${f.protocol === 'udp' ? 'udp' : 'tcp-client'}`,
    `remote ${token('host', 'remote', f.remote)} ${int('port', f.port, 1, 65535)}`,
    'nobind',
    'connect-retry 1 5',
    'resolv-retry infinite',
    `verify-x509-name ${token('peerName', 'peerName', f.peerName)} name`,
    `ping ${int('ping', KEEPALIVE.pingS, 1, 60)}`,
    `ping-restart ${int('ping-restart', KEEPALIVE.restartS, 2, 600)}`,
    ...ACCEPTED_PUSH_PREFIXES.map((p) => `pull-filter accept "${p}"`),
    'pull-filter ignore ""',
    ...tlsLines(f.tls),
  ];
  if (f.protocol === 'udp') lines.push('explicit-exit-notify 1');
  return `${lines.join('\n')}\n`;
}

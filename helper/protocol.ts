/**
 * The helper protocol: the one allow-list of operations the unprivileged engine may ask of the
 * root helper, declared once with runtime schemas. Both the helper (which validates every
 * request) and the typed client in app/core (which validates every answer) derive from it.
 *
 * Wire format: newline-delimited JSON over a Unix socket.
 *   request  `{"id": 1, "op": "device.create", "params": {...}}`
 *   response `{"id": 1, "ok": true, "result": {...}}` or `{"id": 1, "ok": false, "error": {code, message}}`
 *   event    `{"event": "child.exited", "data": {...}}` (pushed, no id)
 *
 * Nothing here carries configuration text: every field is typed and bounded, and the helper
 * writes the OpenVPN and babeld configurations itself from these fields.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

/** Version of this wire protocol; bumped on any incompatible change. */
export const PROTOCOL_VERSION = 1;

/** Largest request or response line, in bytes, either side accepts. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Default path of the helper's socket. */
export const DEFAULT_SOCKET_PATH = '/run/vifibnet/helper.sock';

/** Stable error codes a request can fail with. */
export const ERROR_CODES = [
  'bad_json',
  'too_large',
  'bad_request',
  'unknown_op',
  'invalid_params',
  'not_allowed',
  'not_found',
  'conflict',
  'precondition',
  'exec_failed',
  'internal',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Name of a network device the helper manages. Always starts with `vfb` so no request can touch
 * an interface the helper did not create (eth0, lo, wlan0 …); at most 15 characters (IFNAMSIZ).
 */
export const DeviceName = z
  .string()
  .regex(/^vfb[a-z0-9-]{1,12}$/, 'device names are vfb followed by 1-12 of [a-z0-9-]');

/** A TCP/UDP port. */
export const Port = z.number().int().min(1).max(65535);

/** Transport of an OpenVPN tunnel. */
export const TransportProtocol = z.enum(['udp', 'tcp']);

/** Babel link type of an interface, as babeld names them. */
export const LinkType = z.enum(['tunnel', 'wired', 'wireless']);

/** Parses `addr/len` into its parts, or returns null when it is not an IPv6 prefix. */
export function parseIpv6Prefix(text: string): { address: string; length: number } | null {
  const m = /^([0-9a-fA-F:.]{2,45})\/(\d{1,3})$/.exec(text);
  if (!m || isIP(m[1]!) !== 6) return null;
  const length = Number(m[2]);
  if (length > 128) return null;
  return { address: m[1]!, length };
}

/** An IPv6 prefix in `address/length` form, e.g. `fd12:3456:789a::/48`. */
export const Ipv6Prefix = z
  .string()
  .max(50)
  .refine((s) => parseIpv6Prefix(s) !== null, {
    message: 'expected an IPv6 prefix such as fd12:3456:789a::/48',
  });

/** A single IPv6 address. */
export const Ipv6Address = z
  .string()
  .max(45)
  .refine((s) => isIP(s) === 6, { message: 'expected an IPv6 address' });

/** A remote host: an IPv4 or IPv6 literal, or a DNS name made only of letters, digits, dots and dashes. */
export const RemoteHost = z
  .string()
  .max(253)
  .refine(
    (s) =>
      isIP(s) !== 0 ||
      /^(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/.test(
        s,
      ),
    { message: 'expected an IP address or a host name' },
  );

/**
 * The common name a peer's certificate must carry (pinned with OpenVPN's verify-x509-name).
 * Letters, digits, dot, underscore and dash only: nothing that could end an OpenVPN option.
 */
export const PeerName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'peer names are 1-64 of [A-Za-z0-9._-]');

/** A PEM document, bounded in size; the helper parses and checks it before use. */
export const Pem = z
  .string()
  .max(16 * 1024)
  .regex(
    /^-----BEGIN [A-Z0-9 ]+-----\r?\n[A-Za-z0-9+/=\r\n]+-----END [A-Z0-9 ]+-----\r?\n?$/,
    'expected one PEM block',
  );

/** A certificate revocation list in PEM; larger than one certificate, still bounded by the message size. */
export const CrlPem = z
  .string()
  .max(60 * 1024)
  .regex(
    /^-----BEGIN X509 CRL-----\r?\n[A-Za-z0-9+/=\r\n]+-----END X509 CRL-----\r?\n?$/,
    'expected one PEM X509 CRL',
  );

/** Babel hello interval in seconds (babeld accepts fractions down to 0.05 s). */
export const HelloInterval = z.number().min(0.05).max(60);

const Empty = z.strictObject({});

/** One babeld interface with its link type. */
export const BabelInterface = z.strictObject({ name: DeviceName, type: LinkType });

/** The babeld configuration a caller may ask for. */
export const BabelConfig = z.strictObject({
  helloInterval: HelloInterval,
  interfaces: z.array(BabelInterface).max(256),
  /** The one prefix babeld redistributes: must be the node prefix set with network.configure. */
  redistribute: Ipv6Prefix,
});

/** State of a supervised child process. */
export const ChildState = z.enum(['starting', 'running', 'restarting', 'stopped', 'failed']);

/** Snapshot of one supervised OpenVPN process. */
export const OpenVpnInfo = z.object({
  device: DeviceName,
  role: z.enum(['listener', 'client']),
  protocol: TransportProtocol,
  port: Port,
  remote: RemoteHost.optional(),
  peerName: PeerName.optional(),
  maxClients: z.number().int().optional(),
  state: ChildState,
  /** True once OpenVPN reported the tunnel (or the listener) ready. */
  up: z.boolean(),
  pid: z.number().int().nullable(),
  restarts: z.number().int(),
});

/** The helper's whole state, as the state snapshot returns it. */
export const HelperSnapshot = z.object({
  protocol: z.number().int(),
  version: z.string(),
  network: z.object({ networkPrefix: Ipv6Prefix, nodePrefix: Ipv6Prefix, address: Ipv6Address }).nullable(),
  credentials: z.object({ fingerprint: z.string(), subject: z.string(), notAfter: z.string() }).nullable(),
  devices: z.array(z.object({ name: DeviceName, mode: z.enum(['tap', 'tun']) })),
  openvpn: z.array(OpenVpnInfo),
  babel: z
    .object({
      state: ChildState,
      pid: z.number().int().nullable(),
      restarts: z.number().int(),
      config: BabelConfig,
      /**
       * Device names carrying drain filters in the running babeld (babel.drain): babeld cannot
       * delete a filter, so these names are refused for a new tunnel until babeld restarts.
       */
      drained: z.array(DeviceName),
    })
    .nullable(),
  /** Read-only babeld local socket the caller may connect to (dump / monitor), when babeld runs. */
  babelSocket: z.string().nullable(),
});

/**
 * Every operation: its parameter schema and its result schema. Adding an operation here is the
 * only way to widen what the helper will do.
 */
export const OPERATIONS = {
  /** Protocol handshake: versions and where babeld's read-only socket lives. */
  hello: {
    params: Empty,
    result: z.object({ protocol: z.number().int(), version: z.string(), pid: z.number().int() }),
  },
  /** The full state snapshot. */
  status: { params: Empty, result: HelperSnapshot },
  /** Create a persistent tun/tap device (idempotent). */
  'device.create': {
    params: z.strictObject({ name: DeviceName, mode: z.enum(['tap', 'tun']) }),
    result: z.object({ name: DeviceName, created: z.boolean() }),
  },
  /** Remove a device the helper created (idempotent). */
  'device.remove': {
    params: z.strictObject({ name: DeviceName }),
    result: z.object({ removed: z.boolean() }),
  },
  /**
   * Put the node's address on the loopback device and an `unreachable` route over the whole
   * network prefix (idempotent; replaces a previous configuration).
   */
  'network.configure': {
    params: z.strictObject({ networkPrefix: Ipv6Prefix, nodePrefix: Ipv6Prefix, address: Ipv6Address }),
    result: z.object({ changed: z.boolean() }),
  },
  /** Remove what network.configure set (idempotent). */
  'network.clear': { params: Empty, result: z.object({ changed: z.boolean() }) },
  /** Install the CA, the node certificate and its key, after parsing and cross-checking them. */
  'credentials.install': {
    params: z.strictObject({ ca: Pem, cert: Pem, key: Pem }),
    result: z.object({ fingerprint: z.string(), subject: z.string(), notAfter: z.string() }),
  },
  /**
   * Install (or replace) the CA's revocation list, checked against the installed CA. OpenVPN
   * re-reads it on every handshake, so revoked peers are refused from then on.
   */
  'credentials.setCrl': {
    params: z.strictObject({ crl: CrlPem }),
    result: z.object({ revoked: z.number().int(), nextUpdate: z.string().nullable() }),
  },
  /** Start (or keep) the OpenVPN listener for incoming tunnels on one port per protocol. */
  'openvpn.listen': {
    params: z.strictObject({
      protocol: TransportProtocol,
      port: Port,
      maxClients: z.number().int().min(1).max(1024),
    }),
    result: z.object({ device: DeviceName }),
  },
  /** Stop the listener of one protocol (idempotent). */
  'openvpn.unlisten': {
    params: z.strictObject({ protocol: TransportProtocol }),
    result: z.object({ stopped: z.boolean() }),
  },
  /** Open an outgoing tunnel to a peer whose certificate must carry `peerName`. */
  'openvpn.connect': {
    params: z.strictObject({
      device: DeviceName,
      remote: RemoteHost,
      port: Port,
      protocol: TransportProtocol,
      peerName: PeerName,
    }),
    result: z.object({ device: DeviceName }),
  },
  /** Close an outgoing tunnel and remove its device (idempotent). */
  'openvpn.disconnect': {
    params: z.strictObject({ device: DeviceName }),
    result: z.object({ stopped: z.boolean() }),
  },
  /** Start babeld, or bring the running one to this configuration (at run time where possible). */
  'babel.configure': { params: BabelConfig, result: z.object({ restarted: z.boolean() }) },
  /** Stop babeld (idempotent). */
  'babel.stop': { params: Empty, result: z.object({ stopped: z.boolean() }) },
  /**
   * Drain a tunnel: add a fixed metric to every route learnt over the interface and announced on
   * it, so both ends move their traffic away while the link stays up. Final: babeld cannot delete
   * filters, so the name is retired until babeld restarts (close the tunnel once drained).
   */
  'babel.drain': {
    params: z.strictObject({ interface: DeviceName }),
    result: z.object({ metric: z.number().int() }),
  },
  /** Undo everything the helper set up, then exit. */
  shutdown: { params: Empty, result: z.object({ stopping: z.boolean() }) },
} as const;

/** Name of an allowed operation. */
export type OperationName = keyof typeof OPERATIONS;

/** Parameters of operation `O`. */
export type OperationParams<O extends OperationName> = z.infer<(typeof OPERATIONS)[O]['params']>;

/** Result of operation `O`. */
export type OperationResult<O extends OperationName> = z.infer<(typeof OPERATIONS)[O]['result']>;

/** The state snapshot type. */
export type HelperSnapshotT = z.infer<typeof HelperSnapshot>;

/** Envelope of every request line. */
export const RequestEnvelope = z.strictObject({
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  op: z.string().max(64),
  params: z.unknown().optional(),
});

/** A response line. */
export const ResponseEnvelope = z.union([
  z.object({ id: z.number().int().nullable(), ok: z.literal(true), result: z.unknown() }),
  z.object({
    id: z.number().int().nullable(),
    ok: z.literal(false),
    error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }),
  }),
]);

/** Events the helper pushes to every connected caller. */
export const HelperEvent = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('child.exited'),
    data: z.object({
      program: z.enum(['openvpn', 'babeld']),
      name: z.string(),
      code: z.number().int().nullable(),
      signal: z.string().nullable(),
      /** Delay before the restart, or null when it will not be restarted. */
      restartInMs: z.number().int().nullable(),
    }),
  }),
  z.object({
    event: z.literal('child.restarted'),
    data: z.object({ program: z.enum(['openvpn', 'babeld']), name: z.string(), pid: z.number().int() }),
  }),
  z.object({ event: z.literal('tunnel.up'), data: z.object({ device: DeviceName }) }),
  z.object({ event: z.literal('tunnel.down'), data: z.object({ device: DeviceName }) }),
]);

/** One pushed event. */
export type HelperEventT = z.infer<typeof HelperEvent>;

/** Error raised by an operation handler; its code and message are sent back to the caller. */
export class HelperError extends Error {
  /** Creates an error with a stable code. */
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HelperError';
  }
}

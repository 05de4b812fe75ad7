/**
 * The data of the vifibnet API as runtime schemas, framework-free: what a node, peer, tunnel,
 * recovery record, log line and setting look like. Every bound a user can hit carries a message
 * that says what to enter instead. No schema here transforms its input, so what a sender
 * validated is exactly what the receiver validates again. Command parameters are strict objects
 * (unknown keys refused); results and events are plain objects (unknown keys dropped), so a newer
 * engine can add fields without breaking an older UI.
 */
import { z } from 'zod';
import { validationMessage } from './errors';

/** True when `text` is an IPv6 address (RFC 4291 text form, optional embedded IPv4, no zone). */
export function isIpv6Address(text: string): boolean {
  if (text.length < 2 || text.length > 45) return false;
  let groups = text;
  let tail = 0;
  const v4 = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    if (!v4[2]!.split('.').every((octet) => Number(octet) <= 255 && !/^0\d/.test(octet))) return false;
    groups = v4[1]!.endsWith('::') ? v4[1]! : v4[1]!.slice(0, -1);
    tail = 2;
  }
  const halves = groups.split('::');
  if (halves.length > 2) return false;
  const parts = halves.map((half) => (half === '' ? [] : half.split(':')));
  if (!parts.every((list) => list.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group)))) return false;
  const count = parts.reduce((n, list) => n + list.length, tail);
  return halves.length === 2 ? count < 8 : count === 8;
}

/** Milliseconds since the Unix epoch. */
export const Timestamp = z.number().int().min(0).max(8.64e15);

/** An IPv6 address such as `fd12:3456:789a:1::1`. */
export const Ipv6Address = z.string().refine(isIpv6Address, 'expected an IPv6 address');

/** An IPv6 prefix in `address/length` form, such as `fd12:3456:789a:1::/64`. */
export const Ipv6Prefix = z.string().refine((text) => {
  const [address, length, extra] = text.split('/');
  return (
    extra === undefined &&
    isIpv6Address(address ?? '') &&
    /^\d{1,3}$/.test(length ?? '') &&
    Number(length) <= 128
  );
}, 'expected an IPv6 prefix such as fd12:3456:789a:1::/64');

/** A node's name, as in its certificate. */
export const NodeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected a node name');

/** Share of something, from 0 to 1. */
export const Share = z.number().min(0).max(1);

/** Round-trip time in milliseconds, or null before the first measurement. */
export const RttMs = z.number().min(0).max(600_000).nullable();

/** Text from the engine shown to the user (always rendered as text, never as HTML). */
const Text = z.string().max(2000);

// ---------------------------------------------------------------------------------------------
// Registry and enrolment

/** The registry's address: an http(s) URL. */
export const RegistryUrl = z
  .url({
    protocol: /^https?$/,
    error: 'Enter the registry address as a web address, for example https://registry.example.net',
  })
  .max(2000, 'The registry address is too long (at most 2000 characters).');

/**
 * An enrolment token: `vfb_` and 43 base64url characters, the format the registry issues
 * (app/registry/protocol.ts, TokenText).
 */
export const Token = z
  .string()
  .regex(
    /^vfb_[A-Za-z0-9_-]{43}$/,
    'A token starts with vfb_ followed by 43 letters, digits, - or _. Copy it again from your invitation.',
  );

/** A CA certificate's SHA-256 fingerprint: 64 lowercase hex digits (see {@link normalizeFingerprint}). */
export const Fingerprint = z
  .string()
  .regex(
    /^[0-9a-f]{64}$/,
    'A fingerprint is 64 hexadecimal digits (0-9, a-f), optionally in pairs separated by colons.',
  );

/** Reduces a fingerprint as people paste it (`AB:CD …`, spaces, upper case) to {@link Fingerprint} form. */
export function normalizeFingerprint(text: string): string {
  return text.replace(/[\s:]/g, '').toLowerCase();
}

/** Shows a {@link Fingerprint} the way administrators compare it: upper-case pairs joined by colons. */
export function formatFingerprint(fingerprint: string): string {
  return (fingerprint.toUpperCase().match(/.{1,2}/g) ?? []).join(':');
}

/** What an invitation carries. */
export const Invitation = z.strictObject({
  registryUrl: RegistryUrl,
  token: Token,
  caFingerprint: Fingerprint,
});

/** @see Invitation */
export type InvitationT = z.infer<typeof Invitation>;

/** Scheme and path that start every invitation string. */
export const INVITATION_PREFIX = 'vifibnet://join?';

/**
 * Writes an invitation string: `vifibnet://join?registry=<url>&token=<token>&ca=<fingerprint>`,
 * one line a user can paste into the Join view.
 */
export function formatInvitation(invitation: InvitationT): string {
  const query = new URLSearchParams({
    registry: invitation.registryUrl,
    token: invitation.token,
    ca: invitation.caFingerprint,
  });
  return `${INVITATION_PREFIX}${query.toString()}`;
}

/** Result of {@link parseInvitation}: the invitation, or what is wrong with the text. */
export type InvitationParse = { ok: true; invitation: InvitationT } | { ok: false; message: string };

/** Reads an invitation string written by {@link formatInvitation}. */
export function parseInvitation(text: string): InvitationParse {
  const trimmed = text.trim();
  if (!trimmed.startsWith(INVITATION_PREFIX)) {
    return {
      ok: false,
      message: `An invitation starts with ${INVITATION_PREFIX} — copy the whole line you were sent.`,
    };
  }
  const query = new URLSearchParams(trimmed.slice(INVITATION_PREFIX.length));
  const parsed = Invitation.safeParse({
    registryUrl: query.get('registry') ?? '',
    token: query.get('token') ?? '',
    caFingerprint: normalizeFingerprint(query.get('ca') ?? ''),
  });
  return parsed.success
    ? { ok: true, invitation: parsed.data }
    : { ok: false, message: validationMessage(parsed.error) };
}

/** This node's identity once it has joined a network. */
export const NodeIdentity = z.object({
  name: NodeName,
  prefix: Ipv6Prefix,
  address: Ipv6Address,
});

/** What the registry says about itself before joining, for the user to confirm. */
export const RegistryInfo = z.object({
  registryUrl: RegistryUrl,
  caFingerprint: Fingerprint,
  networkPrefix: Ipv6Prefix,
});

/** Parameters of `join.inspect`: the registry, and the fingerprint the user expects, if known. */
export const InspectParams = z.strictObject({
  registryUrl: RegistryUrl,
  caFingerprint: Fingerprint.optional(),
});

/** Parameters of `join.enroll`: the registry, the token and the CA fingerprint the user confirmed. */
export const EnrollParams = z.strictObject({
  registryUrl: RegistryUrl,
  token: Token,
  caFingerprint: Fingerprint,
});

// ---------------------------------------------------------------------------------------------
// Connection state

/**
 * The mesh as the tray icon shows it. `disconnecting` lasts from `connection.disconnect` until
 * the node has stopped (it drains every tunnel first, several seconds): neither Connect nor
 * Disconnect applies meanwhile.
 */
export const ConnectionState = z.enum([
  'disconnected',
  'connecting',
  'connected',
  'degraded',
  'disconnecting',
  'helper-unreachable',
]);

/** The state of one tunnel. */
export const TunnelState = z.enum(['opening', 'up', 'draining', 'closed']);

/** One OpenVPN link to a peer. */
export const Tunnel = z.object({
  peer: NodeName,
  /** Whether this node opened the tunnel (a client slot) or accepted it. */
  direction: z.enum(['outgoing', 'incoming']),
  state: TunnelState,
  /** Routes babel currently installs through this tunnel. */
  routes: z.number().int().min(0),
  rttMs: RttMs,
  since: Timestamp,
});

/** How a peer is doing, as seen from this node. */
export const PeerState = z.enum(['connected', 'connecting', 'reachable', 'unreachable', 'dead']);

/** Another node of the network. */
export const Peer = z.object({
  name: NodeName,
  prefix: Ipv6Prefix,
  /** The address to reach the peer at over the mesh. */
  address: Ipv6Address,
  state: PeerState,
  rttMs: RttMs,
  /** Routes through our tunnel to this peer (0 when there is none). */
  routes: z.number().int().min(0),
  /** Since when the peer has been reachable, or null while it is not. */
  upSince: Timestamp.nullable(),
  lastError: Text.nullable(),
});

/** The privileged helper, as the engine sees it. */
export const HelperStatus = z.object({
  state: z.enum(['reachable', 'unreachable']),
  since: Timestamp,
  lastError: Text.nullable(),
  /** When the engine tries to reach the helper again, while it is unreachable. */
  nextRetryAt: Timestamp.nullable(),
  /**
   * True when `helper.start` may be asked: only the desktop app starts the helper for the user
   * (through pkexec), and only once; a headless node or a web page never does.
   */
  canStart: z.boolean(),
});

/** Whether the registry answered lately. */
export const RegistryStatus = z.object({
  url: RegistryUrl.nullable(),
  /** Null until the first check. */
  reachable: z.boolean().nullable(),
  checkedAt: Timestamp.nullable(),
});

// ---------------------------------------------------------------------------------------------
// Settings

/** Link mode of the babel interfaces: wireless assumes lossy links and smooths metrics longer. */
export const LinkMode = z.enum(['wired', 'wireless']);

/** Shortest and longest hello interval babeld accepts, in seconds. */
export const HELLO_INTERVAL_LIMITS_S = { min: 0.05, max: 60 } as const;

/** Every setting's schema, by name; the bounds and their messages live here and nowhere else. */
export const SETTING_FIELDS = {
  helloIntervalS: z
    .number({ error: 'Enter the hello interval as a number of seconds, for example 1 or 0.2.' })
    .min(
      HELLO_INTERVAL_LIMITS_S.min,
      `The hello interval must be at least ${HELLO_INTERVAL_LIMITS_S.min} s; babeld refuses anything shorter.`,
    )
    .max(
      HELLO_INTERVAL_LIMITS_S.max,
      `The hello interval can be at most ${HELLO_INTERVAL_LIMITS_S.max} s; longer would take minutes to notice a dead link.`,
    ),
  linkMode: z.enum(LinkMode.options, { error: 'Choose wired or wireless.' }),
  clientCount: z
    .number({ error: 'Enter how many tunnels this node opens, as a whole number.' })
    .int('Enter how many tunnels this node opens, as a whole number.')
    .min(1, 'Open at least 1 tunnel, or the node cannot join the mesh (2 or more give a backup path).')
    .max(50, 'Open at most 50 tunnels; more only add control traffic.'),
  maxClients: z
    .number({ error: 'Enter how many tunnels other nodes may open to this one, as a whole number.' })
    .int('Enter how many tunnels other nodes may open to this one, as a whole number.')
    .min(1, 'Accept at least 1 incoming tunnel; the OpenVPN listener cannot run with none.')
    .max(500, 'Accept at most 500 incoming tunnels.'),
  tunnelRefreshS: z
    .number({ error: 'Enter the tunnel refresh interval as a whole number of seconds.' })
    .int('Enter the tunnel refresh interval as a whole number of seconds.')
    .min(30, 'Refresh tunnels at most every 30 s; faster churns tunnels before babel settles.')
    .max(86_400, 'Refresh tunnels at least once a day (86400 s).'),
  registryUrl: RegistryUrl,
} as const;

/** Name of one setting. */
export type SettingName = keyof typeof SETTING_FIELDS;

/** The node's settings; the registry address is null until the node joins a network. */
export const Settings = z.object({
  ...SETTING_FIELDS,
  registryUrl: SETTING_FIELDS.registryUrl.nullable(),
});

/** Parameters of `settings.set`: the settings to change, the others stay as they are. */
export const SettingsPatch = z.strictObject(SETTING_FIELDS).partial();

// ---------------------------------------------------------------------------------------------
// The state snapshot

/** Everything the UI shows about the node at one moment; `state.changed` carries a whole new one. */
export const Snapshot = z.object({
  connection: z.object({ state: ConnectionState, since: Timestamp }),
  /** Null until the node joins a network. */
  node: NodeIdentity.nullable(),
  tunnels: z.array(Tunnel).max(1000),
  peers: z.array(Peer).max(10_000),
  registry: RegistryStatus,
  helper: HelperStatus,
  settings: Settings,
});

// ---------------------------------------------------------------------------------------------
// Recovery

/** Outage lengths the distribution reports shares for: 1 s, 5 s, 30 s, 2 min. */
export const RECOVERY_LIMITS_MS = [1_000, 5_000, 30_000, 120_000] as const;

/** What happened, in the recovery timeline. */
export const RecoveryKind = z.enum([
  'outage-started',
  'tunnel-lost',
  'route-switched',
  'recovered',
  'suspended',
  'resumed',
]);

/** One entry of the recovery timeline. `peer` is null for the mesh as a whole. */
export const RecoveryEvent = z.object({
  at: Timestamp,
  kind: RecoveryKind,
  peer: NodeName.nullable(),
  detail: Text,
  /** For `recovered`: how long the outage lasted. */
  outageMs: z.number().int().min(0).nullable(),
});

/** Which history to read: a time range, and one peer or (null / absent) the whole mesh. */
export const RecoveryQuery = z
  .strictObject({
    from: Timestamp,
    to: Timestamp.optional(),
    peer: NodeName.nullable().optional(),
  })
  .refine((q) => q.to === undefined || q.to > q.from, 'The end of the range must come after its start.');

/**
 * How an outage ended: the destination `recovered`, or the outage was cut short by a suspend, by
 * the tracker stopping, or by the destination leaving the mesh (`forgotten`). Only recovered
 * outages have a recovery time.
 */
export const OutageEnd = z.enum(['recovered', 'suspended', 'stopped', 'forgotten']);

/** An interval during which a destination was unreachable; `end` is null while it lasts. */
export const Outage = z.object({
  peer: NodeName.nullable(),
  start: Timestamp,
  end: Timestamp.nullable(),
  cause: Text,
  /** How it ended; null while it lasts. */
  endedBy: OutageEnd.nullable(),
});

/** A step of the reachability curve: from `at` on, `reachable` of `total` destinations answered. */
export const ReachabilitySample = z
  .object({ at: Timestamp, reachable: z.number().int().min(0), total: z.number().int().min(0) })
  .refine((s) => s.reachable <= s.total, 'reachable cannot exceed total');

/** Answer of `recovery.history`. */
export const RecoveryHistory = z.object({
  from: Timestamp,
  to: Timestamp,
  peer: NodeName.nullable(),
  reachability: z.array(ReachabilitySample).max(20_000),
  outages: z.array(Outage).max(10_000),
  events: z.array(RecoveryEvent).max(10_000),
});

/** Answer of `recovery.distribution`: of the outages that ended, the share that ended within each limit. */
export const RecoveryDistribution = z.object({
  recovered: z.number().int().min(0),
  /** Median recovery time in ms (nearest rank), or null when nothing recovered. */
  medianMs: z.number().int().min(0).nullable(),
  /** 95th percentile recovery time in ms (nearest rank), or null when nothing recovered. */
  p95Ms: z.number().int().min(0).nullable(),
  buckets: z
    .array(z.object({ withinMs: z.number().int(), share: Share }))
    .refine(
      (buckets) =>
        buckets.length === RECOVERY_LIMITS_MS.length &&
        buckets.every((bucket, i) => bucket.withinMs === RECOVERY_LIMITS_MS[i]),
      'buckets are 1 s, 5 s, 30 s and 2 min, in that order',
    ),
});

// ---------------------------------------------------------------------------------------------
// Logs

/** Severity of a log line. */
export const LogLevel = z.enum(['debug', 'info', 'warn', 'error']);

/** One line of the engine's log. */
export const LogLine = z.object({
  at: Timestamp,
  level: LogLevel,
  scope: z.string().max(200),
  message: z.string().max(8000),
});

/** Parameters of `logs.tail`: how many of the latest lines to read. */
export const LogQuery = z.strictObject({ limit: z.number().int().min(1).max(5000) });

/** Inferred types of the schemas above. */
export type SnapshotT = z.infer<typeof Snapshot>;
/** @see ConnectionState */
export type ConnectionStateT = z.infer<typeof ConnectionState>;
/** @see NodeIdentity */
export type NodeIdentityT = z.infer<typeof NodeIdentity>;
/** @see Tunnel */
export type TunnelT = z.infer<typeof Tunnel>;
/** @see Peer */
export type PeerT = z.infer<typeof Peer>;
/** @see PeerState */
export type PeerStateT = z.infer<typeof PeerState>;
/** @see HelperStatus */
export type HelperStatusT = z.infer<typeof HelperStatus>;
/** @see RegistryStatus */
export type RegistryStatusT = z.infer<typeof RegistryStatus>;
/** @see RegistryInfo */
export type RegistryInfoT = z.infer<typeof RegistryInfo>;
/** @see LinkMode */
export type LinkModeT = z.infer<typeof LinkMode>;
/** @see Settings */
export type SettingsT = z.infer<typeof Settings>;
/** @see SettingsPatch */
export type SettingsPatchT = z.infer<typeof SettingsPatch>;
/** @see RecoveryEvent */
export type RecoveryEventT = z.infer<typeof RecoveryEvent>;
/** @see RecoveryQuery */
export type RecoveryQueryT = z.infer<typeof RecoveryQuery>;
/** @see RecoveryHistory */
export type RecoveryHistoryT = z.infer<typeof RecoveryHistory>;
/** @see RecoveryDistribution */
export type RecoveryDistributionT = z.infer<typeof RecoveryDistribution>;
/** @see Outage */
export type OutageT = z.infer<typeof Outage>;
/** @see OutageEnd */
export type OutageEndT = z.infer<typeof OutageEnd>;
/** @see LogLine */
export type LogLineT = z.infer<typeof LogLine>;
/** @see LogLevel */
export type LogLevelT = z.infer<typeof LogLevel>;

/**
 * The one declaration of the vifibnet API, by domain, in the style of Mullvad's `ipc-schema.ts`:
 * each entry is a command ({@link invoke}: parameters in, result out) or an event
 * ({@link notify}: pushed from the engine to every UI). Everything else is derived from this
 * table: channel names (`domain.name`), the typed client ({@link Api}), the handler table the
 * engine implements ({@link Handlers}) and the notifier it emits through ({@link Notifier}).
 * Nobody writes a channel string by hand.
 */
import { z } from 'zod';
import {
  EnrollParams,
  InspectParams,
  LogLine,
  LogQuery,
  NodeIdentity,
  Peer,
  RecoveryDistribution,
  RecoveryEvent,
  RecoveryHistory,
  RecoveryQuery,
  RegistryInfo,
  Settings,
  SettingsPatch,
  Snapshot,
} from './domain';

/** A request/response message: the UI sends `params`, the engine answers `result`. */
export interface ApiCommand<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly kind: 'command';
  readonly params: P;
  readonly result: R;
}

/** A message the engine pushes to every connected UI. */
export interface ApiEvent<T extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  readonly payload: T;
}

/** Declares a command. Use `z.void()` for a command without parameters or without a result. */
export function invoke<P extends z.ZodType, R extends z.ZodType>(params: P, result: R): ApiCommand<P, R> {
  return { kind: 'command', params, result };
}

/** Declares an event. */
export function notify<T extends z.ZodType>(payload: T): ApiEvent<T> {
  return { kind: 'event', payload };
}

/** The API, by domain. */
export const apiSchema = {
  state: {
    /** The whole state, to hydrate a UI that just started. */
    get: invoke(z.void(), Snapshot),
    /** A new whole state, after any change (connection, tunnels, peers, helper, registry, settings). */
    changed: notify(Snapshot),
  },
  connection: {
    /** Brings the mesh up; progress arrives as `state.changed`. */
    connect: invoke(z.void(), z.void()),
    /**
     * Takes the mesh down gracefully (tunnels drained, then closed); the state is `disconnecting`
     * from the call until the node has stopped, when the call resolves.
     */
    disconnect: invoke(z.void(), z.void()),
  },
  peers: {
    list: invoke(z.void(), z.array(Peer)),
    /** The peer list changed (states, RTTs, routes); carries the whole list. */
    changed: notify(z.array(Peer)),
  },
  recovery: {
    /** Reachability over time, outages and timeline for a range, for the mesh or one peer. */
    history: invoke(RecoveryQuery, RecoveryHistory),
    /** Shares of outages recovered within 1 s, 5 s, 30 s and 2 min, over a range. */
    distribution: invoke(RecoveryQuery, RecoveryDistribution),
    /** Something happened: an outage started, a tunnel was lost, a route switched, a destination recovered. */
    recorded: notify(RecoveryEvent),
  },
  settings: {
    get: invoke(z.void(), Settings),
    /**
     * Changes some settings and reconfigures the running node without closing a tunnel (a new
     * hello interval or link mode restarts babeld: routes through this node pause ≈ 1 s).
     */
    set: invoke(SettingsPatch, Settings),
  },
  logs: {
    tail: invoke(LogQuery, z.array(LogLine)),
    line: notify(LogLine),
  },
  join: {
    /** Contacts a registry and reports its CA fingerprint for the user to confirm. */
    inspect: invoke(InspectParams, RegistryInfo),
    /** Enrols this node with a token, pinning the confirmed CA fingerprint. */
    enroll: invoke(EnrollParams, NodeIdentity),
  },
  helper: {
    /** Tries to reach the helper now instead of at the next scheduled attempt. */
    retry: invoke(z.void(), z.void()),
    /**
     * Starts the helper for the user (a password prompt), when the snapshot's `helper.canStart`
     * says so: answered by the desktop app, once; refused with `helper_start_refused` elsewhere
     * (a web page never triggers privilege escalation) and after the first attempt. Resolves once
     * the start began; the snapshot shows the helper when the engine reaches it.
     */
    start: invoke(z.void(), z.void()),
  },
} as const;

/** The schema's type. */
export type ApiSchema = typeof apiSchema;
/** A domain of the API. */
export type Domain = keyof ApiSchema;

type CommandNames<D extends Domain> = {
  [K in keyof ApiSchema[D]]: ApiSchema[D][K] extends ApiCommand ? K & string : never;
}[keyof ApiSchema[D]];
type EventNames<D extends Domain> = {
  [K in keyof ApiSchema[D]]: ApiSchema[D][K] extends ApiEvent ? K & string : never;
}[keyof ApiSchema[D]];

/** Parameters a command takes (what the caller may pass). */
export type ParamsOf<C> = C extends ApiCommand<infer P> ? z.input<P> : never;
/** Result a command resolves to (after validation). */
export type ResultOf<C> = C extends ApiCommand<z.ZodType, infer R> ? z.output<R> : never;
/** Payload an event carries. */
export type PayloadOf<E> = E extends ApiEvent<infer T> ? z.output<T> : never;

/** Channel of a message: `domain.name`. */
export type ChannelName<D extends string, K extends string> = `${D}.${K}`;
/** Listener method of an event: `on` and the capitalised event name (`changed` → `onChanged`). */
export type ListenerName<K extends string> = `on${Capitalize<K>}`;

/** Every command channel, such as `connection.connect`. */
export type CommandChannel = { [D in Domain]: ChannelName<D, CommandNames<D>> }[Domain];
/** Every event channel, such as `state.changed`. */
export type EventChannel = { [D in Domain]: ChannelName<D, EventNames<D>> }[Domain];

/** Stops a subscription. */
export type Unsubscribe = () => void;

/**
 * The typed API a UI uses: `api.connection.connect()`, `api.state.onChanged(listener)`. Commands
 * resolve to validated results or reject with an {@link ApiError}.
 */
export type Api = {
  [D in Domain]: {
    [K in CommandNames<D>]: (params: ParamsOf<ApiSchema[D][K]>) => Promise<ResultOf<ApiSchema[D][K]>>;
  } & {
    [K in EventNames<D> as ListenerName<K>]: (
      listener: (payload: PayloadOf<ApiSchema[D][K]>) => void,
    ) => Unsubscribe;
  };
};

/**
 * What the engine implements: one handler per command, receiving validated parameters. A handler
 * throws an {@link ApiError} to answer with a typed error.
 */
export type Handlers = {
  [D in Domain]: {
    [K in CommandNames<D>]: (
      params: ApiSchema[D][K] extends ApiCommand<infer P> ? z.output<P> : never,
    ) => Promise<ApiSchema[D][K] extends ApiCommand<z.ZodType, infer R> ? z.input<R> : never>;
  };
};

/** What the engine emits events through: `notifier.peers.changed(list)`. */
export type Notifier = {
  [D in Domain]: {
    [K in EventNames<D>]: (payload: ApiSchema[D][K] extends ApiEvent<infer T> ? z.input<T> : never) => void;
  };
};

/** The channel of a message, derived from where it sits in {@link apiSchema}. */
export function channelName<D extends string, K extends string>(domain: D, name: K): ChannelName<D, K> {
  return `${domain}.${name}`;
}

/** The listener method of an event, derived from its name. */
export function listenerName<K extends string>(name: K): ListenerName<K> {
  return `on${name.charAt(0).toUpperCase()}${name.slice(1)}` as ListenerName<K>;
}

/** One entry of {@link apiSchema} with its derived names. */
export interface MessageEntry<M> {
  readonly domain: Domain;
  readonly name: string;
  readonly channel: string;
  readonly message: M;
}

function entries<M extends ApiCommand | ApiEvent>(kind: M['kind']): ReadonlyMap<string, MessageEntry<M>> {
  const map = new Map<string, MessageEntry<M>>();
  for (const [domain, messages] of Object.entries(apiSchema) as [
    Domain,
    Record<string, ApiCommand | ApiEvent>,
  ][]) {
    for (const [name, message] of Object.entries(messages)) {
      const channel = channelName(domain, name);
      if (message.kind === kind) map.set(channel, { domain, name, channel, message: message as M });
    }
  }
  return map;
}

/** Every command, by channel. */
export const COMMANDS: ReadonlyMap<string, MessageEntry<ApiCommand>> = entries<ApiCommand>('command');
/** Every event, by channel. */
export const EVENTS: ReadonlyMap<string, MessageEntry<ApiEvent>> = entries<ApiEvent>('event');

/** True when `channel` is one of the API's command channels. */
export function isCommandChannel(channel: string): channel is CommandChannel {
  return COMMANDS.has(channel);
}

/** True when `channel` is one of the API's event channels. */
export function isEventChannel(channel: string): channel is EventChannel {
  return EVENTS.has(channel);
}

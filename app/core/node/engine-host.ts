/**
 * The engine as the desktop shell and the headless web UI host it (app/main/engine-host.ts): every
 * command of the API (app/ipc) answered from the node, and its events. Connecting starts the
 * node ({@link NodeEngine.start}), disconnecting stops it ({@link NodeEngine.stop}); settings
 * live in the state directory (settings-file.ts) and a change reaches the running node without
 * dropping the mesh (hello interval and link mode: babeld; tunnel counts and refresh: the tunnel
 * manager and the listener, see {@link NodeEngine.configureTunnels}); the recovery tracker
 * follows the node's babel routing table and takes the node's overlay probes of its tunnel peers
 * ({@link NodeEngine.onDidProbe}) into `recovery.sqlite` while the node runs (not while it stops:
 * the drain is no outage); logs come from an in-memory ring. `helper.start` is answered by the desktop shell's {@link HelperStarter} when it lent one,
 * and refused otherwise (helper-start.ts).
 *
 * Disconnecting: the state is `disconnecting` from `connection.disconnect` (also during a start,
 * whose node is stopped as soon as it is up) until the node has stopped, when the call resolves;
 * a second call waits for the same stop, and Connect is refused as `busy` meanwhile.
 *
 * Events: the host compares the snapshot and the peer list every {@link POLL_MS} and emits
 * `state.changed` / `peers.changed` when they changed (so at most 4 a second), and at once when
 * a stop begins and ends; `recovery.recorded` and `logs.line` as they happen.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SOCKET_PATH } from '../../../helper/protocol';
import { DEFAULT_STATE_DIR } from '../registry-client/state-dir';
import {
  ApiError,
  type Handlers,
  type Notifier,
  type PeerT,
  type SettingsT,
  type SnapshotT,
} from '../../ipc';
import type { EngineHost, EngineHostFactory, HelperStarter } from '../../main/engine-host';
import { DEFAULT_PARAMETERS, type NetworkParametersT } from '../../registry/network-config';
import type { Disposable } from '../babel/emitter';
import { isUsableRoute, type RoutingTable } from '../babel/routing-table';
import { HelperCallError } from '../helper-client/client';
import { createLogger, type Logger } from '../log';
import { RecoveryStore, RecoveryTracker } from '../recovery';
import { isEnrolled } from '../registry-client/state-dir';
import { connectionState, type MeshPhase } from './connection-state';
import { DEFAULT_LISTEN_PORT, NodeEngine } from './engine';
import { refuseHelperStart } from './helper-start';
import { enrollInto, inspectRegistry } from './join';
import { LogRing } from './log-ring';
import { loadNodeState } from './node-state';
import { effectiveSettings, readSettingsOverrides, tuningOf, writeSettingsOverrides } from './settings-file';
import { peerOfPrefix, peersOf, snapshotOf } from './snapshot';

/** Period of the snapshot comparison: events are emitted at most this often. */
export const POLL_MS = 250;
/** Delay between two attempts to start the node while the helper is unreachable. */
export const HELPER_RETRY_MS = 5_000;
/** The recovery DB in the state directory. */
export const RECOVERY_DB = 'recovery.sqlite';

/** The running node as the host drives it: {@link NodeEngine}, or a fake in tests. */
export type RunningNode = Pick<
  NodeEngine,
  | 'status'
  | 'helperConnected'
  | 'babelTable'
  | 'configureBabel'
  | 'configureTunnels'
  | 'pause'
  | 'resume'
  | 'stop'
  | 'onDidProbe'
>;

/** Starts the node with this machine's own parameters and registry (see {@link NodeOptions}). */
export type NodeLauncher = (local: {
  tuning: Partial<NetworkParametersT>;
  registryUrl?: string;
}) => Promise<RunningNode>;

/** What {@link createEngineHostFor} needs besides the node. */
export interface EngineHostDeps {
  /** The state directory (enrolment, settings, recovery DB). */
  stateDir: string;
  /** Starts the node at `connection.connect`. */
  launch: NodeLauncher;
  /** The ring the node's logger writes into. */
  logs: LogRing;
  /** The host's logger. */
  logger: Logger;
  /** Clock, for tests. */
  now?: () => number;
  /** Answers `helper.start` (the desktop shell's launcher); without one it is refused. */
  helperStarter?: HelperStarter;
}

/** True when `err` says the helper's socket cannot be reached. */
function helperUnreachable(err: unknown): boolean {
  if (err instanceof HelperCallError) return err.code === 'unreachable';
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What the state directory says before the node runs: identity, network parameters, registry. */
function readEnrolment(dir: string) {
  if (!isEnrolled(dir)) return null;
  const state = loadNodeState(dir);
  return {
    identity: { name: state.name, prefix: state.prefix, address: state.address },
    parameters: state.config,
    registryUrl: state.registryUrl,
  };
}

/**
 * The host over `engine` (already running, as with `node run --ui`) or none (started at the first
 * `connection.connect`). Opens the recovery DB; {@link EngineHost.dispose} stops everything.
 */
export async function createEngineHostFor(
  engine: RunningNode | null,
  deps: EngineHostDeps,
): Promise<EngineHost> {
  const { stateDir, logs, logger } = deps;
  const now = deps.now ?? Date.now;
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  let enrolment = readEnrolment(stateDir);
  let overrides = readSettingsOverrides(stateDir);
  const store = await RecoveryStore.open(join(stateDir, RECOVERY_DB), { logger: logger.child('recovery') });
  const notifiers = new Set<Notifier>();
  let node: RunningNode | null = null;
  let phase: MeshPhase = engine ? 'running' : 'stopped';
  let tracker: { tracker: RecoveryTracker; table: RoutingTable } | null = null;
  /** The running node's probe results, forwarded to the current tracker. */
  let probes: Disposable | null = null;
  /** The start under way (phase `starting`). */
  let starting: Promise<RunningNode> | null = null;
  /** The stop under way (phase `stopping`). */
  let stopping: Promise<void> | null = null;
  let meshOutage = false;
  let wanted = engine !== null;
  let paused = false;
  let helper = {
    reachable: true,
    since: now(),
    lastError: null as string | null,
    nextRetryAt: null as number | null,
  };
  let connection = { state: 'disconnected' as SnapshotT['connection']['state'], since: now() };
  let retryTimer: NodeJS.Timeout | null = null;
  let lastSnapshot = '';
  let lastPeers = '';

  /** Sends to every subscriber; a payload the schema refuses is a bug, logged (never for log lines). */
  const emit = (send: (n: Notifier) => void, quiet = false): void => {
    for (const notifier of notifiers) {
      try {
        send(notifier);
      } catch (err) {
        if (!quiet) logger.error('An event was not sent', { error: message(err) });
      }
    }
  };
  const ownPrefix = (): string | null => node?.status().node.prefix ?? enrolment?.identity.prefix ?? null;

  function settings(): SettingsT {
    const parameters = enrolment?.parameters ?? DEFAULT_PARAMETERS;
    return effectiveSettings(parameters, enrolment?.registryUrl ?? null, overrides);
  }

  function setHelper(reachable: boolean, lastError: string | null, nextRetryAt: number | null = null): void {
    const since = reachable === helper.reachable ? helper.since : now();
    helper = { reachable, since, lastError, nextRetryAt };
  }

  function peers(): PeerT[] {
    if (!node) return [];
    const table = node.babelTable();
    const routed = table ? [...table.routes.values()].filter(isUsableRoute).map((r) => r.prefix) : [];
    return peersOf(node.status().tunnels, routed, ownPrefix());
  }

  function stopTracker(): void {
    tracker?.tracker.dispose();
    tracker = null;
    meshOutage = false;
  }

  /**
   * Follows the node's babel table (again, when the engine replaced its babeld client) while the
   * node runs; none while it starts or stops.
   */
  function ensureTracker(): void {
    const table = phase === 'running' ? (node?.babelTable() ?? null) : null;
    if (tracker?.table === table) return;
    stopTracker();
    if (!table) return;
    const own = ownPrefix();
    const created = new RecoveryTracker({
      table,
      store,
      peerOf: (prefix) => peerOfPrefix(prefix, own),
      logger: logger.child('recovery'),
      now,
    });
    if (paused) created.pause('suspend');
    created.onDidRecord((event) => {
      if (event.peer === null && event.kind === 'outage-started') meshOutage = true;
      if (event.peer === null && (event.kind === 'recovered' || event.kind === 'suspended'))
        meshOutage = false;
      emit((n) => n.recovery.recorded(event));
    });
    tracker = { tracker: created, table };
  }

  function snapshot(): SnapshotT {
    if (node)
      setHelper(node.helperConnected, node.helperConnected ? null : 'the helper connection was lost', null);
    const status = node?.status() ?? null;
    const state = connectionState({
      phase,
      helperReachable: helper.reachable || !wanted,
      tunnelsUp: status?.tunnels.filter((t) => t.state === 'up').length ?? 0,
      meshOutage,
    });
    if (state !== connection.state) connection = { state, since: now() };
    return snapshotOf({
      connection,
      status,
      identity: enrolment?.identity ?? null,
      peers: peers(),
      helper: {
        state: helper.reachable ? 'reachable' : 'unreachable',
        since: helper.since,
        lastError: helper.lastError,
        nextRetryAt: helper.nextRetryAt,
        canStart: deps.helperStarter?.canStart ?? false,
      },
      settings: settings(),
    });
  }

  function publish(): void {
    ensureTracker();
    const current = snapshot();
    const text = JSON.stringify(current);
    if (text !== lastSnapshot) {
      lastSnapshot = text;
      emit((n) => n.state.changed(current));
    }
    const list = JSON.stringify(current.peers);
    if (list !== lastPeers) {
      lastPeers = list;
      emit((n) => n.peers.changed(current.peers));
    }
  }

  /** True once a disconnect came (also during a start: see {@link beginStop}). */
  const stopRequested = (): boolean => phase === 'stopping';

  /** Makes `running` the node: its probe results go to the tracker from now on. */
  function adopt(running: RunningNode): void {
    node = running;
    probes = running.onDidProbe((result) => tracker?.tracker.probe(result));
  }

  async function connect(): Promise<void> {
    if (phase === 'running' || phase === 'starting') return;
    if (phase === 'stopping') throw new ApiError('busy', 'the node is still stopping');
    if (!enrolment) throw new ApiError('not_enrolled', 'join a network first');
    wanted = true;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    phase = 'starting';
    const launching = deps.launch({ tuning: tuningOf(overrides), registryUrl: overrides.registryUrl });
    starting = launching;
    let started: RunningNode;
    try {
      started = await launching;
    } catch (err) {
      starting = null;
      // a disconnect during the start ends the phase itself
      if (stopRequested()) return;
      phase = 'stopped';
      if (!helperUnreachable(err)) throw new ApiError('internal', `the node did not start: ${message(err)}`);
      setHelper(false, message(err), now() + HELPER_RETRY_MS);
      retryTimer = setTimeout(() => void connect().catch(() => undefined), HELPER_RETRY_MS);
      throw new ApiError('helper_unreachable', message(err));
    }
    starting = null;
    // a disconnect during the start stops this node itself (see beginStop)
    if (stopRequested()) return;
    adopt(started);
    phase = 'running';
    setHelper(true, null);
    if (paused) started.pause();
    ensureTracker();
  }

  /**
   * Enters `disconnecting` now and stops the node (the one running, or the one being started once
   * it is up); resolves once it has stopped, in `disconnected`.
   */
  function beginStop(): Promise<void> {
    const current: Promise<RunningNode | null> = node
      ? Promise.resolve(node)
      : (starting?.catch(() => null) ?? Promise.resolve(null));
    phase = 'stopping';
    probes?.dispose();
    probes = null;
    stopTracker();
    publish();
    const stop = (async () => {
      try {
        await (await current)?.stop();
      } finally {
        node = null;
        phase = 'stopped';
        stopping = null;
        publish();
      }
    })();
    stopping = stop;
    return stop;
  }

  async function disconnect(): Promise<void> {
    wanted = false;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    setHelper(true, null);
    if (stopping) return stopping;
    if (phase === 'running' || phase === 'starting') return beginStop();
  }

  async function setSettings(patch: typeof overrides): Promise<SettingsT> {
    const next = { ...overrides, ...patch };
    const before = settings();
    const after = effectiveSettings(
      enrolment?.parameters ?? DEFAULT_PARAMETERS,
      enrolment?.registryUrl ?? null,
      next,
    );
    const babelChanged = after.helloIntervalS !== before.helloIntervalS || after.linkMode !== before.linkMode;
    const tunnelsChanged =
      after.clientCount !== before.clientCount ||
      after.maxClients !== before.maxClients ||
      after.tunnelRefreshS !== before.tunnelRefreshS;
    if (node && phase === 'running' && babelChanged) {
      if (!node.helperConnected) throw new ApiError('helper_unreachable', 'the helper is not connected');
      await node.configureBabel({
        helloInterval: after.helloIntervalS,
        wireless: after.linkMode === 'wireless',
      });
    }
    if (node && phase === 'running' && tunnelsChanged) {
      await node.configureTunnels({
        clientCount: after.clientCount,
        maxClients: after.maxClients,
        tunnelRefreshInterval: after.tunnelRefreshS,
      });
    }
    writeSettingsOverrides(stateDir, next);
    overrides = next;
    logger.info('Settings changed', { changed: Object.keys(patch).join(',') });
    return after;
  }

  const handlers: Handlers = {
    state: { get: () => Promise.resolve(snapshot()) },
    connection: { connect, disconnect },
    peers: { list: () => Promise.resolve(peers()) },
    recovery: {
      history: (query) => Promise.resolve(tracker?.tracker.history(query) ?? store.history(query, now())),
      distribution: (query) =>
        Promise.resolve(tracker?.tracker.distribution(query) ?? store.distribution(query, now())),
    },
    settings: { get: () => Promise.resolve(settings()), set: setSettings },
    logs: { tail: ({ limit }) => Promise.resolve(logs.tail(limit)) },
    join: {
      inspect: inspectRegistry,
      enroll: async (params) => {
        const identity = await enrollInto(stateDir, params, logger.child('registry-client'));
        enrolment = readEnrolment(stateDir);
        return identity;
      },
    },
    helper: {
      retry: async () => {
        if (wanted && phase === 'stopped') await connect();
      },
      start: () => (deps.helperStarter ? deps.helperStarter.start() : refuseHelperStart()),
    },
  };

  if (engine) adopt(engine);
  const unsubscribeLogs = logs.onLine((line) => emit((n) => n.logs.line(line), true));
  const poll = setInterval(publish, POLL_MS);
  ensureTracker();

  return {
    handlers,
    onEvent(notifier) {
      notifiers.add(notifier);
      return () => notifiers.delete(notifier);
    },
    snapshot,
    pause() {
      if (!paused) {
        paused = true;
        tracker?.tracker.pause('suspend');
        node?.pause();
      }
      return Promise.resolve();
    },
    resume() {
      if (paused) {
        paused = false;
        tracker?.tracker.resume();
        node?.resume();
      }
      return Promise.resolve();
    },
    async dispose() {
      clearInterval(poll);
      if (retryTimer) clearTimeout(retryTimer);
      unsubscribeLogs();
      notifiers.clear();
      try {
        await disconnect();
      } finally {
        store.close();
      }
    },
  };
}

/**
 * Starts the engine for the desktop shell: the default state directory and helper socket, logs
 * to stderr and the ring, the shell's helper starter, and connects at once when this machine has
 * joined a network.
 */
export const createEngineHost: EngineHostFactory = async (options = {}) => {
  const logs = new LogRing((line) => void process.stderr.write(`${line}\n`));
  const logger = createLogger({ scope: 'node', sink: logs.sink });
  const stateDir = DEFAULT_STATE_DIR;
  const host = await createEngineHostFor(null, {
    stateDir,
    logs,
    logger,
    helperStarter: options.helperStarter,
    launch: (local) =>
      NodeEngine.start({
        stateDir,
        helperSocket: DEFAULT_SOCKET_PATH,
        listenPort: DEFAULT_LISTEN_PORT,
        underlayAddresses: [],
        logger,
        ...local,
      }),
  });
  if (isEnrolled(stateDir)) host.handlers.connection.connect().catch(() => undefined);
  return host;
};

/**
 * An in-process engine for renderer tests: typed handlers (vi.fn, replaceable per test) behind the
 * real dispatcher and notifier of app/ipc, joined to the real client by a loopback transport that
 * passes every message through JSON like a real wire. Tests drive the UI through the same schema
 * as production.
 */
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, type Pinia } from 'pinia';
import { createApp, type Component } from 'vue';
import {
  createApiClient,
  createDispatcher,
  createNotifier,
  type RecoveryDistributionT,
  type RecoveryHistoryT,
  type RecoveryQueryT,
  type SnapshotT,
  type Transport,
} from '../../../app/ipc';
import { API_KEY } from '../../../renderer/composables/useApi';
import { syncStores } from '../../../renderer/stores/sync';
import { createFakeHandlers } from '../../support/fake-api-handlers';

/** A node with two peers, one tunnel, helper reachable, connected. */
export function sampleSnapshot(): SnapshotT {
  return {
    connection: { state: 'connected', since: 1_700_000_000_000 },
    node: { name: 'node-1', prefix: 'fd00:1:2:1::/64', address: 'fd00:1:2:1::1' },
    tunnels: [
      {
        peer: 'node-2',
        direction: 'outgoing',
        state: 'up',
        routes: 3,
        rttMs: 12.5,
        since: 1_700_000_000_000,
      },
    ],
    peers: [
      {
        name: 'node-3',
        prefix: 'fd00:1:2:3::/64',
        address: 'fd00:1:2:3::1',
        state: 'unreachable',
        rttMs: null,
        routes: 0,
        upSince: null,
        lastError: 'TLS handshake failed',
      },
      {
        name: 'node-2',
        prefix: 'fd00:1:2:2::/64',
        address: 'fd00:1:2:2::1',
        state: 'connected',
        rttMs: 12.5,
        routes: 3,
        upSince: 1_700_000_000_000,
        lastError: null,
      },
    ],
    registry: { url: 'https://registry.example.net', reachable: true, checkedAt: 1_700_000_000_000 },
    helper: {
      state: 'reachable',
      since: 1_700_000_000_000,
      lastError: null,
      nextRetryAt: null,
      canStart: false,
    },
    settings: {
      helloIntervalS: 1,
      linkMode: 'wired',
      clientCount: 10,
      maxClients: 20,
      tunnelRefreshS: 300,
      registryUrl: 'https://registry.example.net',
    },
  };
}

/** One outage of node-2 in the queried hour, recovered via node-3 after 4.4 s. */
function sampleHistory(query: RecoveryQueryT): RecoveryHistoryT {
  return {
    from: query.from,
    to: query.from + 3_600_000,
    peer: query.peer ?? null,
    reachability: [
      { at: query.from, reachable: 2, total: 2 },
      { at: query.from + 1_000_000, reachable: 1, total: 2 },
      { at: query.from + 1_004_400, reachable: 2, total: 2 },
    ],
    outages: [
      {
        peer: 'node-2',
        start: query.from + 1_000_000,
        end: query.from + 1_004_400,
        cause: 'link cut',
        endedBy: 'recovered' as const,
      },
    ],
    events: [
      {
        at: query.from + 1_000_000,
        kind: 'outage-started' as const,
        peer: 'node-2',
        detail: '',
        outageMs: null,
      },
      {
        at: query.from + 1_004_400,
        kind: 'recovered' as const,
        peer: 'node-2',
        detail: 'via node-3',
        outageMs: 4400,
      },
    ],
  };
}

/** Four recoveries: a quarter within 1 s, three quarters within 5 s, all within 30 s. */
function sampleDistribution(): RecoveryDistributionT {
  return {
    recovered: 4,
    medianMs: 2_000,
    p95Ms: 12_000,
    buckets: [
      { withinMs: 1_000, share: 0.25 },
      { withinMs: 5_000, share: 0.75 },
      { withinMs: 30_000, share: 1 },
      { withinMs: 120_000, share: 1 },
    ],
  };
}

const viaJson = (value: unknown): unknown =>
  value === undefined ? undefined : JSON.parse(JSON.stringify(value));

/** The fake engine: handlers to inspect or replace, a typed notifier, and the API client. */
export function createFakeEngine(snapshot: SnapshotT = sampleSnapshot()) {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const handlers = createFakeHandlers(() => snapshot, {
    history: sampleHistory,
    distribution: sampleDistribution,
    enrolled: { name: 'node-9', prefix: 'fd00:1:2:9::/64', address: 'fd00:1:2:9::1' },
  });

  const dispatch = createDispatcher(handlers);
  const transport: Transport = {
    send: async (channel, payload) => viaJson(await dispatch(channel, viaJson(payload))),
    subscribe(channel, listener) {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set.add(listener));
      return () => set.delete(listener);
    },
  };
  /** Delivers a raw event payload, valid or not, as a transport would. */
  const emitRaw = (channel: string, payload: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener(viaJson(payload));
  };
  return {
    handlers,
    transport,
    emitRaw,
    notify: createNotifier(emitRaw),
    api: createApiClient(transport),
  };
}

/** A fake engine. */
export type FakeEngine = ReturnType<typeof createFakeEngine>;

/** A pinia bound to an app that provides the engine's API, with the stores synced. */
export async function syncedPinia(engine: FakeEngine): Promise<Pinia> {
  const pinia = createPinia();
  createApp({}).use(pinia).provide(API_KEY, engine.api);
  syncStores(engine.api, pinia);
  await flushPromises();
  return pinia;
}

/** Mounts `component` against the engine with synced stores (the uPlot chart stubbed: no canvas in happy-dom). */
export async function mountWithEngine(
  component: Component,
  engine: FakeEngine,
  props: Record<string, unknown> = {},
) {
  const pinia = createPinia();
  const wrapper = mount(component, {
    props,
    attachTo: 'body',
    global: { plugins: [pinia], provide: { [API_KEY]: engine.api }, stubs: { ReachabilityChart: true } },
  });
  syncStores(engine.api, pinia);
  await flushPromises();
  return { wrapper, pinia };
}

/**
 * The page as these tests read it. The root type-check program has no DOM library (it checks
 * Node code), so the few DOM reads the tests need are typed here, structurally.
 */
const page = globalThis as unknown as { document: { activeElement: { textContent: string | null } | null } };

/** Text of the focused element. */
export function focusedText(): string | null | undefined {
  return page.document.activeElement?.textContent;
}

/** Current value of an input, from a test-utils wrapper. */
export function inputValue(wrapper: { element: unknown }): string {
  return (wrapper.element as { value: string }).value;
}

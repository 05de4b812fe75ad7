/**
 * The engine host (app/core/node/engine-host.ts) over a fake running node: what `settings.set`
 * asks of the running node and what it stores in the state directory (settings-file.ts), how
 * `helper.start` is answered with and without the desktop shell's starter, the `disconnecting`
 * state while the node stops, and how the node's probe results reach the recovery tracker (the
 * real tracker and recovery DB, with vitest's fake timers as the clock). Commands go through the
 * API's real dispatcher, so parameters are validated as they are for a window. The real node
 * needs root, the helper and namespaces: test/integration/node-pair.test.ts runs it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { parseUpdate } from '../../app/core/babel/dump-parser';
import { createLogger } from '../../app/core/log';
import { peerName } from '../../app/core/node/addressing';
import { createEngineHostFor, POLL_MS, type RunningNode } from '../../app/core/node/engine-host';
import { LogRing } from '../../app/core/node/log-ring';
import { readSettingsOverrides } from '../../app/core/node/settings-file';
import {
  createDispatcher,
  createNotifier,
  HELPER_START_COMMAND,
  type ConnectionStateT,
  type Dispatch,
  type RecoveryEventT,
  type RecoveryHistoryT,
  type SnapshotT,
} from '../../app/ipc';
import type { EngineHost, HelperStarter } from '../../app/main/engine-host';
import { DEFAULT_PARAMETERS } from '../../app/registry/network-config';
import { fakeRunningNode, tunnelUpTo } from '../support/fake-running-node';

const T0 = Date.UTC(2026, 10, 1);
/** Fakes the clock and the timers the host and the tracker use, from T0. */
const useFakeClock = () =>
  vi.useFakeTimers({
    now: T0,
    toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
  });
/** The tunnel peer of the fake node (fd00:1:2:1::/64). */
const PEER = { prefix: 'fd00:1:2:2::/64', name: peerName('fd00:1:2:2::/64') };
/** When the node reports a lost probe: its timeout, after the send. */
const PROBE_VERDICT_MS = 400;

/** babeld's view from the fake node: PEER over the tunnel `tb`, and via node 3 over `tc`. */
const VIA_B = 'fe80::b';
const VIA_C = 'fe80::c';
const neighbour = (kind: string, id: string, via: string, ifname: string, cost: number): string =>
  `${kind} neighbour ${id} address ${via} if ${ifname} reach ffff ureach 0000 rxcost ${cost} txcost 96 cost ${cost}`;
const route = (kind: string, id: string, installed: boolean, metric: number, via: string, ifname: string) =>
  `${kind} route ${id} prefix ${PEER.prefix} from ::/0 installed ${installed ? 'yes' : 'no'} ` +
  `id 02:00:00:00:00:00:00:02 metric ${metric} refmetric 0 via ${via} if ${ifname}`;
const ROUTE_VIA_B = route('add', '0000000000b1', true, 96, VIA_B, 'tb');
const BABEL_DUMP = [
  'add interface tb up true ipv6 fe80::1',
  'add interface tc up true ipv6 fe80::2',
  neighbour('add', '0000000000b0', VIA_B, 'tb', 96),
  neighbour('add', '0000000000c0', VIA_C, 'tc', 96),
  ROUTE_VIA_B,
  route('add', '0000000000c1', false, 192, VIA_C, 'tc'),
];
/** babeld declares the silently cut tunnel `tb` dead and selects the detour via node 3. */
const CUT_B_DETOUR_C = [
  neighbour('change', '0000000000b0', VIA_B, 'tb', 65535),
  route('change', '0000000000b1', false, 65535, VIA_B, 'tb'),
  route('change', '0000000000c1', true, 192, VIA_C, 'tc'),
];

describe('engine host', () => {
  let dir: string;
  let node: ReturnType<typeof fakeRunningNode>;
  const hosts: EngineHost[] = [];

  const hostOver = async (running: RunningNode | null, helperStarter?: HelperStarter) => {
    const logs = new LogRing();
    const host = await createEngineHostFor(running, {
      stateDir: dir,
      logs,
      logger: createLogger({ scope: 'test', sink: logs.sink }),
      launch: () => Promise.reject(new Error('no launch in these tests')),
      helperStarter,
    });
    hosts.push(host);
    return { host, dispatch: createDispatcher(host.handlers) };
  };

  const errorOf = async (dispatch: Dispatch, channel: string, payload?: unknown) => {
    const reply = await dispatch(channel, payload);
    if (reply.ok) throw new Error(`${channel} was accepted`);
    return reply.error;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vifibnet-host-'));
    node = fakeRunningNode();
  });

  afterEach(async () => {
    for (const host of hosts.splice(0)) await host.dispose();
    vi.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The connection states `host` emits in `state.changed`, and its recovery events. */
  const listen = (host: EngineHost) => {
    const states: ConnectionStateT[] = [];
    const recorded: RecoveryEventT[] = [];
    host.onEvent(
      createNotifier((channel, payload) => {
        if (channel === 'state.changed') states.push((payload as SnapshotT).connection.state);
        if (channel === 'recovery.recorded') recorded.push(payload as RecoveryEventT);
      }),
    );
    return { states, recorded };
  };

  describe('settings.set', () => {
    test('hands new tunnel settings to the running node and stores them', async () => {
      const { host, dispatch } = await hostOver(node);
      const patch = { clientCount: 4, maxClients: 30, tunnelRefreshS: 600 };
      await expect(dispatch('settings.set', patch)).resolves.toMatchObject({ ok: true, result: patch });
      expect(node.configureTunnels).toHaveBeenCalledExactlyOnceWith({
        clientCount: 4,
        maxClients: 30,
        tunnelRefreshInterval: 600,
      });
      expect(node.configureBabel).not.toHaveBeenCalled();
      expect(readSettingsOverrides(dir)).toEqual(patch);
      expect(host.snapshot().settings).toMatchObject(patch);

      // kept across a restart of the app
      await host.dispose();
      hosts.splice(0);
      const { dispatch: again } = await hostOver(null);
      await expect(again('settings.get', undefined)).resolves.toMatchObject({ ok: true, result: patch });
    });

    test('passes every tunnel setting, changed or not, and leaves the node alone when none changed', async () => {
      const { dispatch } = await hostOver(node);
      await dispatch('settings.set', { tunnelRefreshS: 900 });
      expect(node.configureTunnels).toHaveBeenCalledExactlyOnceWith({
        clientCount: DEFAULT_PARAMETERS.clientCount,
        maxClients: DEFAULT_PARAMETERS.maxClients,
        tunnelRefreshInterval: 900,
      });
      await dispatch('settings.set', { helloIntervalS: 0.5, clientCount: DEFAULT_PARAMETERS.clientCount });
      expect(node.configureBabel).toHaveBeenCalledExactlyOnceWith({ helloInterval: 0.5, wireless: false });
      expect(node.configureTunnels).toHaveBeenCalledTimes(1);
    });

    test('refuses an invalid value with its message, and changes nothing', async () => {
      const { host, dispatch } = await hostOver(node);
      const error = await errorOf(dispatch, 'settings.set', { clientCount: 3, maxClients: 0 });
      expect(error.code).toBe('invalid_params');
      expect(error.message).toMatch(/at least 1 incoming/);
      expect(node.configureTunnels).not.toHaveBeenCalled();
      expect(readSettingsOverrides(dir)).toEqual({});
      expect(host.snapshot().settings.clientCount).toBe(DEFAULT_PARAMETERS.clientCount);
    });

    test('stores nothing when the running node could not apply it', async () => {
      node.configureTunnels.mockRejectedValueOnce(new Error('the node is not running'));
      const { host, dispatch } = await hostOver(node);
      expect(await errorOf(dispatch, 'settings.set', { clientCount: 3 })).toMatchObject({ code: 'internal' });
      expect(readSettingsOverrides(dir)).toEqual({});
      expect(host.snapshot().settings.clientCount).toBe(DEFAULT_PARAMETERS.clientCount);
    });
  });

  describe('helper.start', () => {
    test('is refused without a starter, saying how to start the helper by hand', async () => {
      const { host, dispatch } = await hostOver(node);
      expect(host.snapshot().helper.canStart).toBe(false);
      const error = await errorOf(dispatch, 'helper.start');
      expect(error.code).toBe('helper_start_refused');
      expect(error.message).toContain(HELPER_START_COMMAND);
    });

    test("is answered by the shell's starter, whose offer the snapshot shows", async () => {
      const offer = { canStart: true, start: vi.fn(() => Promise.resolve()) };
      const { host, dispatch } = await hostOver(node, offer);
      expect(host.snapshot().helper.canStart).toBe(true);
      await expect(dispatch('helper.start', undefined)).resolves.toEqual({ ok: true, result: undefined });
      expect(offer.start).toHaveBeenCalledOnce();
      offer.canStart = false;
      expect(host.snapshot().helper.canStart).toBe(false);
    });
  });

  describe('connection.disconnect', () => {
    test('is disconnecting from the call until the node has stopped; Connect is busy and a second call waits', async () => {
      useFakeClock();
      node = fakeRunningNode({ tunnels: [tunnelUpTo(PEER.prefix)] });
      const { host, dispatch } = await hostOver(node);
      const { states } = listen(host);
      expect(host.snapshot().connection.state).toBe('connected');

      const release = node.holdStop();
      const first = dispatch('connection.disconnect', undefined);
      await vi.advanceTimersByTimeAsync(0);
      expect(states).toEqual(['disconnecting']);
      expect(await errorOf(dispatch, 'connection.connect')).toMatchObject({ code: 'busy' });
      const second = dispatch('connection.disconnect', undefined);
      let settled = false;
      void Promise.all([first, second]).then(() => (settled = true));
      await vi.advanceTimersByTimeAsync(10 * POLL_MS);
      expect(settled).toBe(false);
      expect(host.snapshot().connection.state).toBe('disconnecting');
      expect(node.stop).toHaveBeenCalledOnce();

      release();
      await expect(first).resolves.toEqual({ ok: true, result: undefined });
      await expect(second).resolves.toEqual({ ok: true, result: undefined });
      expect(states).toEqual(['disconnecting', 'disconnected']);
      expect(host.snapshot().connection.state).toBe('disconnected');
    });

    test('stops the recovery tracker at once and does not follow the table again: the drain is no outage', async () => {
      useFakeClock();
      node = fakeRunningNode({ withBabelTable: true, tunnels: [tunnelUpTo(PEER.prefix)] });
      const table = node.babelTable()!;
      table.reset(BABEL_DUMP.map(parseUpdate));
      const { host, dispatch } = await hostOver(node);
      const { recorded } = listen(host);
      const release = node.holdStop();
      const stopped = dispatch('connection.disconnect', undefined);
      await vi.advanceTimersByTimeAsync(2 * POLL_MS);
      // the drain closes the tunnel: babeld flushes the route, probes get no answer
      table.apply(parseUpdate(ROUTE_VIA_B.replace('add', 'flush')));
      for (let i = 0; i < 3; i++) node.probeResult({ prefix: PEER.prefix, ok: false });
      await vi.advanceTimersByTimeAsync(10 * POLL_MS);
      release();
      await stopped;
      expect(recorded).toEqual([]);
      const history = await dispatch('recovery.history', { from: T0 });
      expect(history).toMatchObject({ ok: true, result: { outages: [] } });
    });
  });

  describe('probes and the recovery tracker', () => {
    /** Moves the clock to `ms` after T0, letting timers and microtasks run. */
    const at = (ms: number) => vi.advanceTimersByTimeAsync(T0 + ms - Date.now());
    /** The node reports a probe sent at `ms` when its verdict is in (answer, or timeout). */
    const probe = async (ms: number, ok: boolean) => {
      await at(ms + (ok ? 15 : PROBE_VERDICT_MS));
      node.probeResult({ prefix: PEER.prefix, ok, at: T0 + ms });
    };
    const timeline = (events: readonly RecoveryEventT[]): string[] =>
      events.map(
        (e) => `${e.at - T0} ${e.peer ?? 'mesh'} ${e.kind}${e.outageMs === null ? '' : ` ${e.outageMs} ms`}`,
      );
    const outages = async (dispatch: Dispatch) => {
      const reply = await dispatch('recovery.history', { from: T0, peer: PEER.name });
      if (!reply.ok) throw new Error(reply.error.message);
      return (reply.result as RecoveryHistoryT).outages.map((o) => [
        o.start - T0,
        o.end === null ? null : o.end - T0,
        o.cause,
        o.endedBy,
      ]);
    };

    beforeEach(() => {
      useFakeClock();
      node = fakeRunningNode({ withBabelTable: true, tunnels: [tunnelUpTo(PEER.prefix, T0)] });
      node.babelTable()!.reset(BABEL_DUMP.map(parseUpdate));
    });

    test('a silent cut babel routes around is an outage from the first lost probe to the first answer', async () => {
      const { host, dispatch } = await hostOver(node);
      const { recorded } = listen(host);
      await probe(1000, true);
      for (const ms of [2000, 2500, 3000]) await probe(ms, false);
      await at(3400 + POLL_MS);
      expect(host.snapshot().connection.state).toBe('degraded');
      // babel notices the dead tunnel (4 hellos after the cut) and routes around it
      for (const line of CUT_B_DETOUR_C) node.babelTable()!.apply(parseUpdate(line));
      await probe(3900, true);
      await at(4400 + POLL_MS);
      expect(host.snapshot().connection.state).toBe('connected');

      expect(timeline(recorded)).toEqual([
        `2000 ${PEER.name} outage-started`,
        '2000 mesh outage-started',
        `3650 ${PEER.name} tunnel-lost`,
        `3650 ${PEER.name} route-switched`,
        `3900 ${PEER.name} recovered 1900 ms`,
        '3900 mesh recovered 1900 ms',
      ]);
      expect(recorded[0]!.detail).toBe('3 probes lost in a row');
      expect(await outages(dispatch)).toEqual([[2000, 3900, '3 probes lost in a row', 'recovered']]);
      expect(await dispatch('recovery.distribution', { from: T0 })).toMatchObject({
        ok: true,
        result: { recovered: 1, medianMs: 1900 },
      });
    });

    test('a suspend ends a probe outage without a recovery time, and probes during it count for nothing', async () => {
      const { host, dispatch } = await hostOver(node);
      const { recorded } = listen(host);
      await probe(500, true);
      for (const ms of [1000, 1500, 2000]) await probe(ms, false);
      await at(2500);
      await host.pause('suspend');
      expect(node.pause).toHaveBeenCalledOnce();
      for (const ms of [3000, 3500, 4000, 4500]) await probe(ms, false);
      await at(10_000);
      await host.resume();
      expect(node.resume).toHaveBeenCalledOnce();
      await probe(10_500, false);
      await probe(11_000, true);
      await at(12_000);

      expect(timeline(recorded)).toEqual([
        `1000 ${PEER.name} outage-started`,
        '1000 mesh outage-started',
        '2500 mesh suspended',
        '10000 mesh resumed',
      ]);
      expect(await outages(dispatch)).toEqual([[1000, 2500, '3 probes lost in a row', 'suspended']]);
      expect(await dispatch('recovery.distribution', { from: T0 })).toMatchObject({
        ok: true,
        result: { recovered: 0 },
      });
    });
  });
});

// The Electron binary cannot be downloaded or run on these machines (require('electron') throws
// in plain Node), so `electron` is mocked with small fakes (./electron-fake.ts) for the
// notification controller. The alert policy it applies (app/main/alert-policy.ts) is pure and is
// tested first on its own.
import { beforeEach, describe, expect, test, vi } from 'vitest';
import type { ConnectionStateT } from '../../../app/ipc';
import {
  alertStep,
  INITIAL_ALERT_MEMORY,
  type Alert,
  type AlertMemory,
} from '../../../app/main/alert-policy';
import { alertText, formatAlertDuration } from '../../../app/main/alert-text';
import { NotificationController } from '../../../app/main/notification-controller';
import { Notification, resetElectronFake } from './electron-fake';
import { snapshotIn } from './fake-engine-host';

vi.mock('electron', () => import('./electron-fake'));

type Step = [state: ConnectionStateT, since: number, quiet?: boolean];

/** Runs the policy over `steps` and returns the alert kinds raised at each one. */
function run(
  steps: Step[],
  memory: AlertMemory = INITIAL_ALERT_MEMORY,
): { kinds: string[][]; alerts: Alert[] } {
  const kinds: string[][] = [];
  const alerts: Alert[] = [];
  for (const [state, since, quiet = false] of steps) {
    const step = alertStep(memory, snapshotIn(state, since), quiet);
    memory = step.memory;
    kinds.push(step.alerts.map((a) => a.kind));
    alerts.push(...step.alerts);
  }
  return { kinds, alerts };
}

describe('alert policy (pure)', () => {
  test('a degradation is announced once, however many snapshots repeat it, and its recovery once with its length', () => {
    const { kinds, alerts } = run([
      ['connected', 0],
      ['degraded', 10_000],
      ['degraded', 10_000],
      ['degraded', 10_000],
      ['connected', 14_200],
      ['connected', 14_200],
    ]);
    expect(kinds).toEqual([[], ['mesh-degraded'], [], [], ['mesh-recovered'], []]);
    expect(alerts).toEqual([
      { kind: 'mesh-degraded', unreachablePeers: 1, totalPeers: 2 },
      { kind: 'mesh-recovered', afterMs: 4_200 },
    ]);
  });

  test('each new episode is announced again (edges, not levels)', () => {
    const { kinds } = run([
      ['connected', 0],
      ['degraded', 1],
      ['connected', 2],
      ['degraded', 3],
      ['connected', 4],
    ]);
    expect(kinds).toEqual([[], ['mesh-degraded'], ['mesh-recovered'], ['mesh-degraded'], ['mesh-recovered']]);
  });

  test('the helper lost is announced once per outage, and only after it had been reachable', () => {
    const { kinds } = run([
      ['helper-unreachable', 0],
      ['helper-unreachable', 1],
      ['connected', 2],
      ['helper-unreachable', 3],
      ['helper-unreachable', 4],
      ['disconnected', 5],
      ['helper-unreachable', 6],
    ]);
    expect(kinds).toEqual([[], [], [], ['helper-lost'], [], [], ['helper-lost']]);
  });

  test('the first snapshot is the baseline: a mesh already degraded at start is not announced, nor its recovery', () => {
    const { kinds } = run([
      ['degraded', 0],
      ['degraded', 0],
      ['connected', 5],
    ]);
    expect(kinds).toEqual([[], [], []]);
  });

  test('a disconnect ends a degradation without a recovery notice', () => {
    const { kinds } = run([
      ['connected', 0],
      ['degraded', 1],
      ['disconnected', 2],
      ['connected', 3],
    ]);
    expect(kinds).toEqual([[], ['mesh-degraded'], [], []]);
  });

  test('disconnecting is no degradation, however many peers drop out while the tunnels drain', () => {
    let memory = alertStep(INITIAL_ALERT_MEMORY, snapshotIn('connected', 0), false).memory;
    const draining = snapshotIn('disconnecting', 1);
    draining.peers = draining.peers.map((p) => ({ ...p, state: 'unreachable' as const }));
    for (const observation of [draining, draining, snapshotIn('disconnected', 2)]) {
      const step = alertStep(memory, observation, false);
      expect(step.alerts).toEqual([]);
      memory = step.memory;
    }
    expect(memory.degraded).toBe('none');
  });

  test('a disconnect while degraded ends the degradation without a recovery notice', () => {
    const { kinds } = run([
      ['connected', 0],
      ['degraded', 1],
      ['disconnecting', 2],
      ['disconnected', 3],
      ['connecting', 4],
      ['connected', 5],
    ]);
    expect(kinds).toEqual([[], ['mesh-degraded'], [], [], [], []]);
  });

  test('while quiet (suspend), problems wait; one still there afterwards is announced then; recoveries are not held back', () => {
    expect(
      run([
        ['connected', 0],
        ['degraded', 1, true],
        ['connected', 2, true],
        ['connected', 3],
      ]).kinds,
    ).toEqual([[], [], [], []]);
    expect(
      run([
        ['connected', 0],
        ['degraded', 1, true],
        ['degraded', 1, false],
      ]).kinds,
    ).toEqual([[], [], ['mesh-degraded']]);
    expect(
      run([
        ['connected', 0],
        ['degraded', 1],
        ['connected', 2, true],
      ]).kinds,
    ).toEqual([[], ['mesh-degraded'], ['mesh-recovered']]);
  });

  test('texts say what happened and what to do', () => {
    expect(alertText({ kind: 'helper-lost' }).body).toMatch(/Open vifibnet to start it/);
    expect(alertText({ kind: 'mesh-degraded', unreachablePeers: 1, totalPeers: 2 }).body).toBe(
      '1 of 2 peers unreachable; vifibnet is rerouting.',
    );
    expect(alertText({ kind: 'mesh-recovered', afterMs: 4_200 }).body).toBe(
      'Every peer is reachable again, after 4.2 s.',
    );
    expect([850, 4_249, 59_940, 60_000, 185_000].map(formatAlertDuration)).toEqual([
      '850 ms',
      '4.2 s',
      '59.9 s',
      '1 min',
      '3 min 5 s',
    ]);
  });
});

describe('NotificationController', () => {
  beforeEach(() => resetElectronFake());

  test('shows each alert once as a desktop notification; a click opens the window', () => {
    const onClick = vi.fn();
    const controller = new NotificationController({ isQuiet: () => false, onClick, iconPath: '/icon.png' });
    controller.observe(snapshotIn('connected', 0));
    controller.observe(snapshotIn('degraded', 1_000));
    controller.observe(snapshotIn('degraded', 1_000));
    controller.observe(snapshotIn('connected', 3_500));
    expect(Notification.instances.map((n) => n.options)).toEqual([
      { title: 'Mesh degraded', body: '1 of 2 peers unreachable; vifibnet is rerouting.', icon: '/icon.png' },
      { title: 'Mesh recovered', body: 'Every peer is reachable again, after 2.5 s.', icon: '/icon.png' },
    ]);
    for (const n of Notification.instances) expect(n.show).toHaveBeenCalledTimes(1);
    Notification.instances[0]!.emit('click');
    expect(onClick).toHaveBeenCalledTimes(1);
    controller.dispose();
    for (const n of Notification.instances) expect(n.close).toHaveBeenCalled();
  });

  test('asks whether the shell is quiet at each snapshot', () => {
    let quiet = true;
    const controller = new NotificationController({
      isQuiet: () => quiet,
      onClick: vi.fn(),
      iconPath: '/i.png',
    });
    controller.observe(snapshotIn('connected', 0));
    controller.observe(snapshotIn('degraded', 1));
    expect(Notification.instances).toHaveLength(0);
    quiet = false;
    controller.observe(snapshotIn('degraded', 1));
    expect(Notification.instances.map((n) => n.options.title)).toEqual(['Mesh degraded']);
  });

  test('shows nothing where the desktop has no notification service', () => {
    Notification.isSupported = () => false;
    const controller = new NotificationController({
      isQuiet: () => false,
      onClick: vi.fn(),
      iconPath: '/i.png',
    });
    controller.observe(snapshotIn('connected', 0));
    controller.observe(snapshotIn('helper-unreachable', 1));
    expect(Notification.instances).toHaveLength(0);
  });
});

// The Electron binary cannot be downloaded or run on these machines (require('electron') throws
// in plain Node), so `electron` is mocked with small fakes (./electron-fake.ts). The state → menu
// mapping itself is pure (app/main/tray-menu.ts) and needs no Electron at all.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { ConnectionState, type ConnectionStateT } from '../../../app/ipc';
import { TrayIconController } from '../../../app/main/tray-icon-controller';
import {
  trayIconFile,
  trayMenu,
  trayTooltip,
  type TrayMenuEntry,
  type TrayModel,
} from '../../../app/main/tray-menu';
import { Menu, resetElectronFake, Tray } from './electron-fake';

vi.mock('electron', () => import('./electron-fake'));

/** The commands of a menu as `label: enabled`, in order. */
function commands(entries: TrayMenuEntry[]): string[] {
  return entries.flatMap((e) => (e.kind === 'command' ? [`${e.label}: ${e.enabled ? 'on' : 'off'}`] : []));
}

describe('tray menu for each state (pure)', () => {
  const cases: [ConnectionStateT, string, string[]][] = [
    ['disconnected', 'Disconnected', ['Connect: on', 'Disconnect: off', 'Open vifibnet: on', 'Quit: on']],
    ['connecting', 'Connecting…', ['Connect: off', 'Disconnect: on', 'Open vifibnet: on', 'Quit: on']],
    ['connected', 'Connected', ['Connect: off', 'Disconnect: on', 'Open vifibnet: on', 'Quit: on']],
    [
      'degraded',
      'Degraded: some peers are unreachable',
      ['Connect: off', 'Disconnect: on', 'Open vifibnet: on', 'Quit: on'],
    ],
    ['disconnecting', 'Disconnecting…', ['Connect: off', 'Disconnect: off', 'Open vifibnet: on', 'Quit: on']],
    [
      'helper-unreachable',
      'Helper not running',
      ['Connect: off', 'Disconnect: off', 'Start the helper…: on', 'Open vifibnet: on', 'Quit: on'],
    ],
  ];

  test('the cases cover every connection state', () => {
    expect(cases.map(([state]) => state).sort()).toEqual([...ConnectionState.options].sort());
  });

  test.each(ConnectionState.options)('%s has its own icon in build/icons, at both sizes', (state) => {
    const file = trayIconFile(state);
    expect(file).toBe(`tray-${state}.png`);
    for (const name of [file, file.replace('.png', '@2x.png')])
      expect(existsSync(fileURLToPath(new URL(`../../../build/icons/${name}`, import.meta.url))), name).toBe(
        true,
      );
  });

  test.each(cases)('%s: status line %j and commands %j', (connection, status, expected) => {
    const entries = trayMenu({ connection, helperLaunch: 'idle' });
    expect(entries[0]).toEqual({ kind: 'status', label: status });
    expect(commands(entries)).toEqual(expected);
    expect(trayTooltip(connection)).toBe(`vifibnet: ${status}`);
  });

  test('while a helper start is under way its item is disabled and says so', () => {
    const entries = trayMenu({ connection: 'helper-unreachable', helperLaunch: 'launching' });
    expect(commands(entries)).toContain('Starting the helper…: off');
    expect(commands(entries)).not.toContain('Start the helper…: on');
  });
});

describe('TrayIconController', () => {
  beforeEach(() => resetElectronFake());

  const model = (connection: ConnectionStateT): TrayModel => ({ connection, helperLaunch: 'idle' });

  test('shows the icon, tooltip and menu of the state, and rebuilds the menu on every state change', () => {
    const onCommand = vi.fn();
    const controller = new TrayIconController({ iconDir: '/icons', onCommand }, model('disconnected'));
    const [tray] = Tray.instances as [Tray];
    expect(tray.image).toBe('/icons/tray-disconnected.png');
    expect(tray.tooltip).toBe('vifibnet: Disconnected');
    expect(Menu.builds).toBe(1);

    const states: ConnectionStateT[] = [
      'connecting',
      'connected',
      'degraded',
      'connected',
      'disconnecting',
      'disconnected',
      'helper-unreachable',
    ];
    for (const [i, state] of states.entries()) {
      const before = tray.menu;
      controller.update(model(state));
      expect(Menu.builds).toBe(i + 2);
      expect(tray.menu).not.toBe(before);
      expect(tray.image).toBe(`/icons/tray-${state}.png`);
      const shown = tray.menu!.items.map((item) =>
        item.type === 'separator' ? '---' : `${item.label}: ${item.enabled ? 'on' : 'off'}`,
      );
      const expected = trayMenu(model(state)).map((entry) =>
        entry.kind === 'separator'
          ? '---'
          : `${entry.label}: ${entry.kind === 'command' && entry.enabled ? 'on' : 'off'}`,
      );
      expect(shown).toEqual(expected);
    }
    controller.dispose();
    expect(tray.destroyed).toBe(true);
  });

  test('does not rebuild for a model equal to the current one (a snapshot with only RTT changes)', () => {
    const controller = new TrayIconController({ iconDir: '/icons', onCommand: vi.fn() }, model('connected'));
    controller.update(model('connected'));
    controller.update({ connection: 'connected', helperLaunch: 'idle' });
    expect(Menu.builds).toBe(1);
    controller.update({ connection: 'connected', helperLaunch: 'launching' });
    expect(Menu.builds).toBe(2);
  });

  test('menu clicks report their command', () => {
    const onCommand = vi.fn();
    new TrayIconController({ iconDir: '/icons', onCommand }, model('disconnected'));
    const [tray] = Tray.instances as [Tray];
    const click = (label: string) => tray.menu!.items.find((item) => item.label === label)!.click!();
    click('Connect');
    click('Open vifibnet');
    click('Quit');
    expect(onCommand.mock.calls).toEqual([['connect'], ['open'], ['quit']]);
  });
});

// The Electron binary cannot be downloaded or run on these machines (require('electron') throws
// in plain Node); the launcher does not import it, so nothing is mocked here but pkexec: these
// machines have no pkexec and no polkit agent, so sudo-prompt's `exec` is replaced by a stub that
// records the command it would hand to `pkexec /bin/bash -c` and answers as sudo-prompt does.
import { describe, expect, test, vi } from 'vitest';
import {
  HelperLauncher,
  HelperLaunchError,
  helperCommandLine,
  type HelperLauncherOptions,
  type SudoExec,
} from '../../../app/main/helper-launcher';

const EXEC_PATH = '/opt/vifibnet/vifibnet-desktop';
const SCRIPT_PATH = '/opt/vifibnet/resources/app/bin/vifibnet.mjs';

/** Stands in for @vscode/sudo-prompt's exec (pkexec is absent here): records, then answers `error`. */
function stubExec(error?: Error) {
  const calls: { command: string; options: { name: string } }[] = [];
  let finish: () => void = () => undefined;
  const exec: SudoExec = (command, options, callback) => {
    calls.push({ command, options });
    finish = () => callback(error, '', '');
  };
  return { exec: vi.fn(exec), calls, finish: () => finish() };
}

function launcher(overrides: Partial<HelperLauncherOptions>, exec: SudoExec) {
  return new HelperLauncher({ execPath: EXEC_PATH, scriptPath: SCRIPT_PATH, uid: 1000, exec, ...overrides });
}

describe('helper launcher', () => {
  test('calls pkexec (through sudo-prompt) with exactly the fixed command line', async () => {
    const stub = stubExec();
    const launch = launcher({}, stub.exec).launch();
    expect(stub.calls).toEqual([
      {
        command:
          'exec /usr/bin/systemd-cat --identifier=vifibnet-helper /usr/bin/env ELECTRON_RUN_AS_NODE=1 ' +
          '/opt/vifibnet/vifibnet-desktop /opt/vifibnet/resources/app/bin/vifibnet.mjs ' +
          'helper --socket /run/vifibnet/helper.sock --allow-uid 1000',
        options: { name: 'vifibnet' },
      },
    ]);
    stub.finish();
    await expect(launch).resolves.toEqual({ kind: 'exited', error: null });
  });

  test.each([
    ['a fractional uid', { uid: 1000.5 }],
    ['a negative uid', { uid: -1 }],
    ['NaN', { uid: Number.NaN }],
    ['a uid beyond the helper range', { uid: 2 ** 32 }],
    ['a uid smuggled as text', { uid: '1000; reboot' as unknown as number }],
    ['a relative binary path', { execPath: 'electron' }],
    ['a path with a semicolon', { execPath: '/opt/x;reboot' }],
    ['a path with $()', { scriptPath: '/opt/$(reboot)/bin/vifibnet.mjs' }],
    ['a path with backticks', { scriptPath: '/opt/`reboot`/vifibnet.mjs' }],
    ['a path with a quote', { scriptPath: '/opt/a"b/vifibnet.mjs' }],
    ['a path with a space', { execPath: '/home/a b/vifibnet' }],
    ['a path with a newline', { execPath: '/opt/x\nreboot' }],
    ['a path with ..', { scriptPath: '/opt/vifibnet/../../tmp/evil.mjs' }],
    ['an empty path', { scriptPath: '' }],
  ] as const)('refuses %s before any call', async (_what, overrides) => {
    const stub = stubExec();
    const subject = launcher(overrides, stub.exec);
    await expect(subject.launch()).rejects.toBeInstanceOf(HelperLaunchError);
    expect(stub.exec).not.toHaveBeenCalled();
    expect(subject.state).toBe('idle');
    expect(() =>
      helperCommandLine({ execPath: EXEC_PATH, scriptPath: SCRIPT_PATH, uid: 1000, ...overrides }),
    ).toThrow(HelperLaunchError);
  });

  test('runs one launch at a time and reports launching until the helper exits', async () => {
    const stub = stubExec(new Error('Command failed: helper exited with code 1'));
    const subject = launcher({}, stub.exec);
    const first = subject.launch();
    expect(subject.state).toBe('launching');
    await expect(subject.launch()).resolves.toEqual({ kind: 'busy' });
    expect(stub.exec).toHaveBeenCalledTimes(1);
    stub.finish();
    await expect(first).resolves.toEqual({
      kind: 'exited',
      error: 'Command failed: helper exited with code 1',
    });
    expect(subject.state).toBe('idle');
  });

  test('tells a declined prompt and a missing polkit agent apart from a helper that ran', async () => {
    for (const [message, kind] of [
      ['User did not grant permission.', 'declined'],
      ['No polkit authentication agent found.', 'no-agent'],
    ] as const) {
      const stub = stubExec(new Error(message));
      const launch = launcher({}, stub.exec).launch();
      stub.finish();
      await expect(launch).resolves.toEqual({ kind });
    }
  });

  test('an exec that throws ends the launch instead of leaving it stuck', async () => {
    const subject = launcher({}, () => {
      throw new Error('Wrong number of arguments.');
    });
    await expect(subject.launch()).resolves.toEqual({ kind: 'exited', error: 'Wrong number of arguments.' });
    expect(subject.state).toBe('idle');
  });
});

// The Electron binary cannot be downloaded or run on these machines (require('electron') throws
// in plain Node), so `electron` is mocked with small fakes (./electron-fake.ts): the test fires
// powerMonitor's `suspend` and `resume` events itself.
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { createLogger } from '../../../app/core/log';
import { PowerMonitorController, RESUME_QUIET_MS } from '../../../app/main/power-monitor';
import { powerMonitor, resetElectronFake } from './electron-fake';

vi.mock('electron', () => import('./electron-fake'));

const silent = createLogger({ scope: 'test', sink: () => undefined });

function engine() {
  const order: string[] = [];
  return {
    order,
    pause: vi.fn(async (reason: 'suspend') => {
      order.push(`pause:${reason}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push('paused');
    }),
    resume: vi.fn(() => {
      order.push('resume');
      return Promise.resolve();
    }),
  };
}

describe('power monitor', () => {
  beforeEach(() => resetElectronFake());

  test('suspend pauses the engine as a planned pause; resume resumes it (re-verification), in order', async () => {
    const host = engine();
    const controller = new PowerMonitorController({ engine: host, logger: silent });
    powerMonitor.emit('suspend');
    powerMonitor.emit('resume');
    await controller.settled();
    expect(host.pause).toHaveBeenCalledWith('suspend');
    expect(host.resume).toHaveBeenCalledTimes(1);
    expect(host.order).toEqual(['pause:suspend', 'paused', 'resume']);
  });

  test('is quiet while suspended and for a while after resuming', async () => {
    let now = 1_000_000;
    const controller = new PowerMonitorController({ engine: engine(), logger: silent, now: () => now });
    expect(controller.isQuiet()).toBe(false);
    powerMonitor.emit('suspend');
    expect(controller.isQuiet()).toBe(true);
    now += 3_600_000;
    powerMonitor.emit('resume');
    expect(controller.isQuiet()).toBe(true);
    now += RESUME_QUIET_MS;
    expect(controller.isQuiet()).toBe(false);
    await controller.settled();
  });

  test('a failing pause is logged and does not stop the resume that follows', async () => {
    const lines: string[] = [];
    const host = {
      pause: vi.fn(() => Promise.reject(new Error('helper gone'))),
      resume: vi.fn(() => Promise.resolve()),
    };
    const controller = new PowerMonitorController({
      engine: host,
      logger: createLogger({ scope: 'power', sink: (l) => lines.push(l) }),
    });
    powerMonitor.emit('suspend');
    powerMonitor.emit('resume');
    await controller.settled();
    expect(host.resume).toHaveBeenCalledTimes(1);
    expect(
      lines.some((l) => /Pausing the engine for suspend … failed after \d+ ms: helper gone/.test(l)),
    ).toBe(true);
  });

  test('dispose stops listening', () => {
    const host = engine();
    new PowerMonitorController({ engine: host, logger: silent }).dispose();
    expect(powerMonitor.listenerCount('suspend')).toBe(0);
    expect(powerMonitor.listenerCount('resume')).toBe(0);
    powerMonitor.emit('suspend');
    expect(host.pause).not.toHaveBeenCalled();
  });
});

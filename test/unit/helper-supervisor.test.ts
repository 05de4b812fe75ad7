/** The supervisor with real harmless programs: restart with backoff, events, output, stop escalation. */
import { describe, expect, it } from 'vitest';
import type { HelperEventT } from '../../helper/protocol';
import { createLogger } from '../../helper/log';
import { backoffDelay, DEFAULT_BACKOFF, Supervisor } from '../../helper/supervisor';
import { pollUntil } from '../../app/cli/demo/netns';

const SLEEP = '/bin/sleep';
const NODE = process.execPath;

function setup(lines: string[] = []): { events: HelperEventT[]; logger: ReturnType<typeof createLogger> } {
  return { events: [], logger: createLogger({ scope: 'test', level: 'debug', sink: (l) => lines.push(l) }) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('backoffDelay', () => {
  it('doubles from 250 ms up to 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffDelay(n))).toEqual([
      250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    expect(DEFAULT_BACKOFF.stableMs).toBeGreaterThan(0);
  });
});

describe('Supervisor', () => {
  it('restarts a killed child with backoff and reports exit and restart', async () => {
    const { events, logger } = setup();
    const sup = new Supervisor({
      program: 'openvpn',
      name: 'vfbt-sleep',
      path: SLEEP,
      args: ['60'],
      logger,
      emit: (e) => events.push(e),
      backoff: { initialMs: 50, maxMs: 400, stableMs: 60_000 },
    });
    try {
      const pid = await sup.start();
      expect(sup.state).toBe('running');
      process.kill(pid, 'SIGKILL');
      const restarted = await pollUntil('restart', () => events.find((e) => e.event === 'child.restarted'), {
        timeoutMs: 5_000,
      });
      expect(events[0]).toEqual({
        event: 'child.exited',
        data: { program: 'openvpn', name: 'vfbt-sleep', code: null, signal: 'SIGKILL', restartInMs: 50 },
      });
      expect(restarted).toEqual({
        event: 'child.restarted',
        data: { program: 'openvpn', name: 'vfbt-sleep', pid: sup.pid },
      });
      expect(sup.restarts).toBe(1);
      // the second crash in a row waits twice as long
      process.kill(sup.pid!, 'SIGKILL');
      await pollUntil('second restart', () => sup.restarts === 2, { timeoutMs: 5_000 });
      const exits = events.filter((e) => e.event === 'child.exited');
      expect(exits.map((e) => (e.event === 'child.exited' ? e.data.restartInMs : null))).toEqual([50, 100]);
    } finally {
      await sup.stop();
    }
    expect(sup.state).toBe('stopped');
    expect(sup.pid).toBeNull();
  });

  it('captures output lines into the logger and the observer', async () => {
    const lines: string[] = [];
    const seen: string[] = [];
    const { events, logger } = setup(lines);
    const sup = new Supervisor({
      program: 'babeld',
      name: 'echo',
      path: NODE,
      args: ['-e', 'console.log("hello out"); console.error("hello err"); setInterval(() => {}, 1000)'],
      logger,
      emit: (e) => events.push(e),
      onLine: (l) => seen.push(l),
    });
    try {
      await sup.start();
      await pollUntil('both lines', () => seen.length >= 2, { timeoutMs: 5_000 });
      expect(seen.sort()).toEqual(['hello err', 'hello out']);
      expect(
        lines.some(
          (l) =>
            l.includes('debug') &&
            l.includes('hello out') &&
            l.includes('program=babeld') &&
            l.includes('name=echo'),
        ),
      ).toBe(true);
    } finally {
      await sup.stop();
    }
    expect(events).toEqual([]); // a requested stop is not a crash
  });

  it('escalates to SIGKILL when the child ignores SIGTERM, and cancels pending restarts', async () => {
    const { events, logger } = setup();
    const sup = new Supervisor({
      program: 'openvpn',
      name: 'stubborn',
      path: NODE,
      args: ['-e', 'process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)'],
      logger,
      emit: (e) => events.push(e),
      stopTimeoutMs: 300,
      onLine: (l) => (ready ||= l === 'ready'),
    });
    let ready = false;
    const pid = await sup.start();
    await pollUntil('handler installed', () => ready, { timeoutMs: 5_000 });
    const t0 = Date.now();
    await sup.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(alive(pid)).toBe(false);
    expect(events).toEqual([]);
  });

  it('does not restart after stop while a restart is pending', async () => {
    const { events, logger } = setup();
    const sup = new Supervisor({
      program: 'openvpn',
      name: 'pending',
      path: SLEEP,
      args: ['60'],
      logger,
      emit: (e) => events.push(e),
      backoff: { initialMs: 300, maxMs: 300, stableMs: 60_000 },
    });
    const pid = await sup.start();
    process.kill(pid, 'SIGKILL');
    await pollUntil('exit reported', () => sup.state === 'restarting', { timeoutMs: 5_000 });
    await sup.stop();
    await new Promise((r) => setTimeout(r, 400)); // past the cancelled restart's due time
    expect(sup.pid).toBeNull();
    expect(events.map((e) => e.event)).toEqual(['child.exited']);
  });

  it('rejects start when the program cannot be run, leaving nothing', async () => {
    const { events, logger } = setup();
    const sup = new Supervisor({
      program: 'openvpn',
      name: 'missing',
      path: '/nonexistent/openvpn',
      args: [],
      logger,
      emit: (e) => events.push(e),
    });
    await expect(sup.start()).rejects.toThrow(/ENOENT/);
    expect(sup.state).toBe('failed');
    expect(events).toEqual([]);
    await sup.stop();
  });

  it('refuses a relative program path', async () => {
    const { logger } = setup();
    const sup = new Supervisor({
      program: 'openvpn',
      name: 'rel',
      path: 'sleep',
      args: ['1'],
      logger,
      emit: () => undefined,
    });
    await expect(sup.start()).rejects.toThrow(/absolute path/);
    expect(sup.state).toBe('failed');
  });
});

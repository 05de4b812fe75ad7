/**
 * Helper round-trip benchmark: 1,000 sequential `status` requests through the typed client to a
 * real helper process (in a namespace of its own), then the helper's resident memory.
 * Prints `helper_status_p50_ms=… helper_status_p99_ms=… helper_rss_mb=…`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHelperProcess } from '../support/helper-process';
import { createNetns } from '../../app/cli/demo/netns';

const REQUESTS = 1_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function residentMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  return kb / 1024;
}

/** Runs the benchmark and returns its result line. */
export async function run(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vfb-bench-helper-'));
  const ns = await createNetns('vfbb');
  try {
    const helper = await startHelperProcess(ns, dir, 'bench');
    const { pid } = await helper.client.call('hello', {});
    for (let i = 0; i < 50; i++) await helper.client.call('status', {}); // warm-up
    const times: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t0 = performance.now();
      await helper.client.call('status', {});
      times.push(performance.now() - t0);
    }
    const rss = await residentMb(pid);
    await helper.client.call('shutdown', {});
    await helper.exited;
    await helper.client.dispose();
    times.sort((a, b) => a - b);
    const fmt = (n: number) => n.toFixed(3);
    return `helper_status_p50_ms=${fmt(percentile(times, 50))} helper_status_p99_ms=${fmt(percentile(times, 99))} helper_rss_mb=${rss.toFixed(1)}`;
  } finally {
    await ns.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

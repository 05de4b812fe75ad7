/**
 * Runs a real `vifibnet helper` process inside a test namespace and connects the typed client to
 * it. The helper's log is kept in memory (and dumped when a test fails through `logText()`).
 */
import type { ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { HelperClient } from '../../app/core/helper-client/client';
import { createLogger } from '../../helper/log';
import type { HelperEventT } from '../../helper/protocol';
import { pollUntil, type Netns } from './netns';

const BIN = resolve(import.meta.dirname, '../../bin/vifibnet.mjs');

/** A helper process under test. */
export interface HelperProcess {
  /** The process (`ip netns exec … node bin/vifibnet.mjs helper …`). */
  child: ChildProcess;
  /** Socket path. */
  socket: string;
  /** State directory. */
  stateDir: string;
  /** Connected client. */
  client: HelperClient;
  /** Every event received so far, in order. */
  events: HelperEventT[];
  /** The helper's log so far. */
  logText(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/** Starts a helper in `ns` with its socket and state under `dir/<name>`; resolves once connected. */
export async function startHelperProcess(
  ns: Netns,
  dir: string,
  name: string,
  extraArgs: string[] = [],
): Promise<HelperProcess> {
  const socket = join(dir, `${name}.sock`);
  const stateDir = join(dir, name);
  const child = ns.spawn(
    process.execPath,
    [BIN, 'helper', '--socket', socket, '--state-dir', stateDir, ...extraArgs],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VIFIBNET_LOG_LEVEL: 'debug' },
    },
  );
  const lines: string[] = [];
  for (const s of [child.stdout!, child.stderr!])
    createInterface({ input: s }).on('line', (l) => lines.push(l));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const quiet = createLogger({ scope: `test-client-${name}`, level: 'error' });
  const client = await pollUntil(
    `helper ${name} to accept connections`,
    async () => {
      if (gone) throw new Error(`helper ${name} exited:\n${lines.join('\n')}`);
      return HelperClient.connect(socket, { logger: quiet, reconnectDelayMs: { min: 50, max: 200 } });
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  const events: HelperEventT[] = [];
  client.onEvent((e) => events.push(e));
  return { child, socket, stateDir, client, events, logText: () => lines.join('\n'), exited };
}

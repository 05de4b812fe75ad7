/**
 * Runs a real `vifibnet helper` process inside a test namespace (started by the demo's process
 * launcher) and connects the typed client to it. The helper logs at debug level; its log is kept
 * in memory (and dumped when a test fails through `logText()`).
 */
import type { ChildProcess } from 'node:child_process';
import { HelperClient } from '../../app/core/helper-client/client';
import type { Netns } from '../../app/cli/demo/netns';
import { startHelper } from '../../app/cli/demo/processes';
import { createLogger } from '../../helper/log';
import type { HelperEventT } from '../../helper/protocol';

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
  const started = await startHelper(ns, dir, name, extraArgs, { env: { VIFIBNET_LOG_LEVEL: 'debug' } });
  const quiet = createLogger({ scope: `test-client-${name}`, level: 'error' });
  const client = await HelperClient.connect(started.socket, {
    logger: quiet,
    reconnectDelayMs: { min: 50, max: 200 },
  });
  const events: HelperEventT[] = [];
  client.onEvent((e) => events.push(e));
  return {
    child: started.process.child,
    socket: started.socket,
    stateDir: started.stateDir,
    client,
    events,
    logText: () => started.process.logText(),
    exited: started.process.exited.then((how) => how.code),
  };
}

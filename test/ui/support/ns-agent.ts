/**
 * Starts one of the UI tests' small TypeScript agents inside a test namespace (a Node program
 * cannot enter another namespace itself): `node --import tsx <agent> …args`, by absolute paths,
 * through the demo's process launcher, so its output is kept and it is stopped like the mesh's
 * own processes. Every agent exits when its stdin closes, so none outlives the test.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Netns } from '../../../app/cli/demo/netns';
import { startProcess, type ManagedProcess } from '../../../app/cli/demo/processes';

/** How long an agent may take to print its ready line. */
const AGENT_READY_MS = 20_000;

/** tsx's loader, as an `--import` URL. */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Starts the agent `file` with `args` in `ns`; resolves once it printed `ready`. `onLine` gets
 * every line it prints, as it arrives.
 */
export async function startAgent(
  ns: Netns,
  label: string,
  file: string,
  args: readonly string[],
  onLine?: (line: string) => void,
): Promise<ManagedProcess> {
  const argv = ['--import', TSX_LOADER, file, ...args];
  const agent = startProcess(ns, label, process.execPath, argv, onLine ? { onLine } : {});
  try {
    await agent.waitForLine(/^ready$/, AGENT_READY_MS);
  } catch (err) {
    await agent.stop(1_000);
    throw err;
  }
  return agent;
}

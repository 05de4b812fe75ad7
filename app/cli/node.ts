/**
 * `vifibnet node …`: the member-node commands, dispatched on the next word. Each entry is
 * loaded only when asked for.
 */
import { dispatch, type Command } from './command';

const lazy =
  (load: () => Promise<Command>): Command =>
  async (args) =>
    (await load())(args);

const NODE_COMMANDS = {
  enroll: {
    summary: 'join a network with a token from its registry',
    run: lazy(async () => (await import('./node-enroll')).runNodeEnroll),
  },
  run: {
    summary: 'run this node of the mesh until SIGTERM or SIGINT (--ui [PORT]: with the web UI)',
    run: lazy(async () => (await import('./node-run')).runNodeRun),
  },
};

/** Entry point of `vifibnet node`. */
export function runNodeCommand(args: string[]): Promise<number> {
  return dispatch('node', NODE_COMMANDS, args);
}

/** `vifibnet status`: what the node running from a state directory is doing, read from its control socket. */
import { join } from 'node:path';
import { readNodeStatus } from '../core/node/control-client';
import { NODE_FILES } from '../core/node/node-state';
import { formatStatus } from '../core/node/status';
import { output, parseOptions, runReporting } from './command';
import { DEFAULT_STATE_DIR } from '../core/registry-client/state-dir';

const USAGE = '[--state-dir DIR] [--json]';

/** Entry point of `vifibnet status`. */
export function runStatusCommand(args: string[]): Promise<number> {
  return runReporting('status', USAGE, async () => {
    const { values } = parseOptions(args, {
      'state-dir': { type: 'string', default: DEFAULT_STATE_DIR },
      json: { type: 'boolean', default: false },
    });
    const status = await readNodeStatus(join(values['state-dir'], NODE_FILES.control));
    output(values.json, status, () => formatStatus(status, Date.now()));
  });
}

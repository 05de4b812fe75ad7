/**
 * `vifibnet node run`: run this machine's node of the mesh in the foreground, logging to stderr,
 * until SIGTERM or SIGINT, which drain and close the tunnels and stop babeld and the listener
 * through the helper (exit 0). Prints `node ready prefix=<p> address=<a>` on stderr once set up.
 */
import { isIP } from 'node:net';
import { DEFAULT_SOCKET_PATH } from '../../helper/protocol';
import { createLogger, type LogLevel } from '../core/log';
import { NodeEngine } from '../core/node/engine';
import { parseOptions, runReporting, UsageError } from './command';
import { DEFAULT_STATE_DIR } from './node-enroll';

/** The OpenVPN listener's default UDP port. */
export const DEFAULT_LISTEN_PORT = 1194;

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const USAGE =
  '[--state-dir DIR] [--helper-socket PATH] [--listen-port 1194] [--underlay-address ADDR]… [--log-level debug|info|warn|error]';

/** Resolves at the first SIGTERM or SIGINT; `dispose` removes the handlers. */
function stopSignal(): { received: Promise<NodeJS.Signals>; dispose(): void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => (onSignal = resolve));
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    received,
    dispose: () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}

/** Entry point of `vifibnet node run`. */
export function runNodeRun(args: string[]): Promise<number> {
  return runReporting('node run', USAGE, async () => {
    const { values } = parseOptions(args, {
      'state-dir': { type: 'string', default: DEFAULT_STATE_DIR },
      'helper-socket': { type: 'string', default: DEFAULT_SOCKET_PATH },
      'listen-port': { type: 'string', default: String(DEFAULT_LISTEN_PORT) },
      'underlay-address': { type: 'string', multiple: true, default: [] },
      'log-level': { type: 'string', default: process.env.VIFIBNET_LOG_LEVEL ?? 'info' },
    });
    const listenPort = Number(values['listen-port']);
    if (!Number.isInteger(listenPort) || listenPort < 1 || listenPort > 65534)
      throw new UsageError(
        `--listen-port must be 1-65534 (the next port answers probes), not ${values['listen-port']}`,
      );
    const level = values['log-level'] as LogLevel;
    if (!LOG_LEVELS.includes(level))
      throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
    const bad = values['underlay-address'].find((a) => isIP(a) === 0);
    if (bad !== undefined) throw new UsageError(`--underlay-address takes an IP address, not ${bad}`);

    const signal = stopSignal();
    try {
      const engine = await NodeEngine.start({
        stateDir: values['state-dir'],
        helperSocket: values['helper-socket'],
        listenPort,
        underlayAddresses: values['underlay-address'],
        logger: createLogger({ scope: 'node', level }),
      });
      const { node } = engine.status();
      process.stderr.write(`node ready prefix=${node.prefix} address=${node.address}\n`);
      await signal.received;
      await engine.stop();
    } finally {
      signal.dispose();
    }
  });
}

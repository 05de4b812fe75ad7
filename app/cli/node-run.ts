/**
 * `vifibnet node run`: run this machine's node of the mesh in the foreground, logging to stderr,
 * until SIGTERM or SIGINT, which drain and close the tunnels and stop babeld and the listener
 * through the helper (exit 0). Prints `node ready prefix=<p> address=<a>` on stderr each time the
 * node is set up. The node applies this machine's own settings (settings.json in the state
 * directory, written by the UI's Settings) over the network's parameters.
 *
 * With `--ui [PORT]` it also serves the web UI on 127.0.0.1 and prints its address, with the
 * access token, once on stdout: `open http://127.0.0.1:PORT/?token=…`. Over a state directory that
 * is not enrolled yet, only the UI starts: the user joins a network there, then connects, which
 * starts the node. Without `--ui` such a directory is an error that says how to enrol.
 */
import { isIP } from 'node:net';
import { DEFAULT_SOCKET_PATH } from '../../helper/protocol';
import { createLogger, type LogLevel } from '../core/log';
import { DEFAULT_LISTEN_PORT, NodeEngine, type NodeOptions } from '../core/node/engine';
import type { NodeLauncher } from '../core/node/engine-host';
import { LogRing } from '../core/node/log-ring';
import { readSettingsOverrides, tuningOf } from '../core/node/settings-file';
import { parseOptions, runReporting, UsageError } from './command';
import { DEFAULT_STATE_DIR, isEnrolled } from '../core/registry-client/state-dir';
import { checkRendererBuilt, normalizeUiFlag, startNodeUi, startsNodeAtOnce, uiPort } from './node-ui';

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const USAGE =
  '[--state-dir DIR] [--helper-socket PATH] [--listen-port 1194] [--underlay-address ADDR]… [--log-level debug|info|warn|error] [--ui [PORT]]';

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

/** This machine's own parameters and registry from the settings file of `stateDir`, for the launcher. */
function ownSettings(stateDir: string): Parameters<NodeLauncher>[0] {
  const overrides = readSettingsOverrides(stateDir);
  return {
    tuning: tuningOf(overrides),
    ...(overrides.registryUrl === undefined ? {} : { registryUrl: overrides.registryUrl }),
  };
}

/** Entry point of `vifibnet node run`. */
export function runNodeRun(args: string[]): Promise<number> {
  return runReporting('node run', USAGE, async () => {
    const { values } = parseOptions(normalizeUiFlag(args), {
      'state-dir': { type: 'string', default: DEFAULT_STATE_DIR },
      'helper-socket': { type: 'string', default: DEFAULT_SOCKET_PATH },
      'listen-port': { type: 'string', default: String(DEFAULT_LISTEN_PORT) },
      'underlay-address': { type: 'string', multiple: true, default: [] },
      'log-level': { type: 'string', default: process.env.VIFIBNET_LOG_LEVEL ?? 'info' },
      ui: { type: 'string' },
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
    const port = values.ui === undefined ? null : uiPort(values.ui);
    if (port !== null) checkRendererBuilt();

    const signal = stopSignal();
    try {
      const logs = new LogRing((line) => void process.stderr.write(`${line}\n`));
      const options: NodeOptions = {
        stateDir: values['state-dir'],
        helperSocket: values['helper-socket'],
        listenPort,
        underlayAddresses: values['underlay-address'],
        logger: createLogger({ scope: 'node', level, sink: logs.sink }),
      };
      const launch: NodeLauncher = async (local) => {
        const engine = await NodeEngine.start({ ...options, ...local });
        const { node } = engine.status();
        process.stderr.write(`node ready prefix=${node.prefix} address=${node.address}\n`);
        return engine;
      };
      const engine = startsNodeAtOnce(port !== null, isEnrolled(options.stateDir))
        ? await launch(ownSettings(options.stateDir))
        : null;
      const ui =
        port === null
          ? null
          : await startNodeUi({
              node: engine,
              launch,
              stateDir: options.stateDir,
              logs,
              logger: options.logger,
              port,
            });
      await signal.received;
      if (ui) await ui.dispose();
      else await engine?.stop();
    } finally {
      signal.dispose();
    }
  });
}

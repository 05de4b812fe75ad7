/**
 * `vifibnet helper`: the privileged daemon's entry point. It must run as root. Start-up removes
 * whatever a crashed previous instance left (from its state file), prepares the directories,
 * builds the operation handlers and starts the socket server. SIGTERM, SIGINT and the `shutdown`
 * operation undo everything the helper set up (children, devices, address, route, sockets),
 * close the server and exit 0.
 */
import { readFileSync } from 'node:fs';
import { chown } from 'node:fs/promises';
import {
  HELPER_USAGE,
  UsageError,
  parseHelperArgs,
  readGroups,
  readPrimaryGids,
  socketGroupFor,
} from './args';
import { cleanupLeftovers, processArgv } from './cleanup';
import type { HelperContext } from './context';
import { ensureDir } from './fsutil';
import type { EventSink } from './handlers';
import { createLogger } from './log';
import { createHelperRuntime } from './ops/index';
import { helperPaths } from './paths';
import { startHelperServer } from './server';
import { loadState, StateStore } from './state';

function helperVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Runs the helper until it is told to stop; resolves to the process exit code. */
export async function runHelperCommand(args: string[]): Promise<number> {
  const groups = readGroups();
  let options;
  try {
    options = parseHelperArgs(args, groups);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`vifibnet helper: ${err.message}\n\n${HELPER_USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(HELPER_USAGE);
    return 0;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('vifibnet helper: must run as root (it creates devices, routes and processes)\n');
    return 1;
  }

  const logger = createLogger({ scope: 'helper' });
  const version = helperVersion();
  const paths = helperPaths(options.socket, options.runDir, options.stateDir);
  const socketGid = socketGroupFor(options, groups, readPrimaryGids());

  await logger.step('Preparing directories', async () => {
    await ensureDir(paths.runDir, 0o750);
    if (socketGid !== undefined) await chown(paths.runDir, 0, socketGid);
    await ensureDir(paths.stateDir, 0o700);
    await ensureDir(paths.confDir, 0o700);
  });

  const previous = await loadState(paths.stateFile).catch((err: Error) => {
    logger.warn(`unreadable state file ignored: ${err.message}`);
    return null;
  });
  if (previous && previous.helperPid !== process.pid) {
    const argv = await processArgv(previous.helperPid);
    if (
      argv &&
      argv.includes('helper') &&
      argv.some((a) => a.endsWith('vifibnet.mjs') || a.endsWith('vifibnet'))
    ) {
      process.stderr.write(
        `vifibnet helper: another helper (pid ${previous.helperPid}) is running with state directory ${paths.stateDir}\n`,
      );
      return 1;
    }
  }
  if (previous) await cleanupLeftovers(previous, logger);
  const store = new StateStore(paths.stateFile);
  await store.save();

  let sink: EventSink = () => undefined;
  const ctx: HelperContext = {
    logger,
    paths,
    version,
    store,
    emit: (event) => sink(event),
    callerAccess: { uid: options.allowUids[0] ?? 0, gid: socketGid ?? 0 },
    access: { allowUids: options.allowUids, allowGids: options.allowGids },
  };

  let stopping: Promise<void> | null = null;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const runtime = await createHelperRuntime(ctx, () => void stop());
  const server = await startHelperServer({
    socketPath: paths.socket,
    allowUids: options.allowUids,
    allowGids: options.allowGids,
    socketGroup: socketGid,
    handlers: runtime.handlers,
    logger: logger.child('server'),
    version,
  });
  sink = server.broadcast;

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await runtime.teardown();
      await server.close().catch((err: Error) => logger.warn(`closing the server: ${err.message}`));
      await store.remove();
      logger.info('helper stopped');
      finished();
    })());

  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info(`received ${signal}, stopping`);
    void stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // an unexpected exit must not leave children behind; the state file covers a SIGKILL
  const onExit = (): void => runtime.killNow();
  process.on('exit', onExit);

  logger.info('helper ready', { socket: paths.socket, pid: process.pid, version });
  await done;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  process.off('exit', onExit);
  return 0;
}

/**
 * The `--ui [PORT]` part of `vifibnet node run`: the engine host and the headless UI server that
 * serves the built renderer and the API on 127.0.0.1. The host runs over the node when it is
 * already running, or over none when the state directory is not enrolled yet: the user then
 * joins a network and connects in the UI, which starts the node.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../core/log';
import { createEngineHostFor, type NodeLauncher, type RunningNode } from '../core/node/engine-host';
import type { LogRing } from '../core/node/log-ring';
import { startUiServer } from '../core/ui-server/server';
import { UsageError } from './command';

/** The built renderer the UI server serves. */
export const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

/**
 * Rewrites `--ui` without a value (last, or followed by another option) to `--ui=0`, so the port
 * stays optional on a strict parser.
 */
export function normalizeUiFlag(args: readonly string[]): string[] {
  return args.map((arg, i) => (arg === '--ui' && (args[i + 1] ?? '-').startsWith('-') ? '--ui=0' : arg));
}

/** The port of `--ui PORT` (0 = any free port). */
export function uiPort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new UsageError(`--ui takes a TCP port (0 for any), not ${text}`);
  return port;
}

/**
 * Whether `node run` starts the node before anything else: always, except with the UI over a
 * state directory that is not enrolled yet (the user joins and connects in the UI). Without the
 * UI an unenrolled directory fails at the start with a message saying how to enrol.
 */
export function startsNodeAtOnce(ui: boolean, enrolled: boolean): boolean {
  return !ui || enrolled;
}

/** Fails with one clear line when the renderer was not built. */
export function checkRendererBuilt(dir = RENDERER_DIR): void {
  if (!existsSync(`${dir}/index.html`)) {
    throw new Error(`${dir}/index.html is missing: build the web UI first with 'npm run build:renderer'`);
  }
}

/** What {@link startNodeUi} hosts. */
export interface NodeUiOptions {
  /** The running node, or null until the user connects in the UI. */
  node: RunningNode | null;
  /** Starts the node at `connection.connect`. */
  launch: NodeLauncher;
  /** The state directory (enrolment, settings, recovery DB). */
  stateDir: string;
  /** The ring the node's logger writes into (the Logs view). */
  logs: LogRing;
  /** The node's logger. */
  logger: Logger;
  /** TCP port on 127.0.0.1; 0 for any free port. */
  port: number;
}

/** A running web UI; `dispose` closes it and stops the node. */
export interface NodeUi {
  dispose(): Promise<void>;
}

/** Hosts the node (or none yet) and serves the UI; prints `open <url>` on stdout once it serves. */
export async function startNodeUi(options: NodeUiOptions): Promise<NodeUi> {
  const logger = options.logger.child('ui');
  const host = await createEngineHostFor(options.node, {
    stateDir: options.stateDir,
    logs: options.logs,
    logger,
    launch: options.launch,
  });
  try {
    const server = await startUiServer({ api: host, rendererDir: RENDERER_DIR, port: options.port, logger });
    process.stdout.write(`open ${server.url}\n`);
    return {
      async dispose() {
        await server.dispose();
        await host.dispose();
      },
    };
  } catch (err) {
    await host.dispose();
    throw err;
  }
}

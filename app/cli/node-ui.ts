/**
 * The `--ui [PORT]` part of `vifibnet node run`: the engine host over the running node and the
 * headless UI server that serves the built renderer and the API on 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../core/log';
import { NodeEngine, type NodeOptions } from '../core/node/engine';
import { createEngineHostFor } from '../core/node/engine-host';
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

/** Fails with one clear line when the renderer was not built. */
export function checkRendererBuilt(dir = RENDERER_DIR): void {
  if (!existsSync(`${dir}/index.html`)) {
    throw new Error(`${dir}/index.html is missing: build the web UI first with 'npm run build:renderer'`);
  }
}

/** A running web UI; `dispose` closes it and stops the node. */
export interface NodeUi {
  dispose(): Promise<void>;
}

/** Hosts `engine` (restarted by `connection.connect` with `base` options) and serves the UI on `port`. */
export async function startNodeUi(
  engine: NodeEngine,
  base: NodeOptions,
  logs: LogRing,
  logger: Logger,
  port: number,
): Promise<NodeUi> {
  const host = await createEngineHostFor(engine, {
    stateDir: base.stateDir,
    logs,
    logger: logger.child('ui'),
    launch: (local) => NodeEngine.start({ ...base, ...local }),
  });
  try {
    const server = await startUiServer({
      api: host,
      rendererDir: RENDERER_DIR,
      port,
      logger: logger.child('ui'),
    });
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

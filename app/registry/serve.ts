/**
 * `vifibnet registry serve`: the HTTP(S) API on one address, plus the periodic sweep of the
 * peer table. The prefix allocator was rebuilt from the database when the registry opened.
 */
import type { AddressInfo } from 'node:net';
import { createRegistryServer, type TlsFiles } from './http-server';
import { sweep } from './peers';
import type { Registry } from './registry';
import { ROUTES } from './routes/index';

/** How often the sweep runs. */
export const SWEEP_INTERVAL_MS = 60_000;

/** Where and how to listen. */
export interface ServeOptions {
  /** Address to bind, e.g. `127.0.0.1` or `::`. */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Serve HTTPS with this certificate. */
  tls?: TlsFiles;
}

/** A running registry server. */
export interface RunningRegistry {
  /** Base URL of the API, e.g. `http://127.0.0.1:43121`. */
  url: string;
  /** Stops accepting requests, waits for the open ones, stops the sweep. */
  close(): Promise<void>;
}

/** Starts serving `registry`; resolves once listening. */
export async function serveRegistry(registry: Registry, options: ServeOptions): Promise<RunningRegistry> {
  sweep(registry);
  const timer = setInterval(() => {
    try {
      sweep(registry);
    } catch (err) {
      registry.log.error('Sweep failed; retrying at the next interval', {
        reason: err instanceof Error ? err.message : String(err),
      });
    }
  }, SWEEP_INTERVAL_MS);
  timer.unref();
  const server = createRegistryServer(registry, ROUTES, options.tls);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `${options.tls ? 'https' : 'http'}://${address.includes(':') ? `[${address}]` : address}:${port}`;
  registry.log.info('Registry listening', { url });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        server.closeIdleConnections();
        server.close(() => resolve());
      }),
  };
}

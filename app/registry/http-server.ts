/**
 * The registry's HTTP(S) server: routing, bounded JSON bodies, validation of every body with
 * its route's schema, admin authentication, and the one error shape
 * `{ "error": { "code", "message" } }`. Handlers live in routes/.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { z } from 'zod';
import { getMeta } from './db';
import { RegistryError } from './errors';
import { MAX_BODY_BYTES } from './protocol';
import type { Registry } from './registry';
import { secretMatches } from './secrets';

/** One API endpoint. */
export interface Route {
  /** HTTP method. */
  method: 'GET' | 'POST';
  /** Exact path, e.g. `/v1/enroll`. */
  path: string;
  /** True when only the admin credential may call it. */
  admin: boolean;
  /** Handles a request whose body (POST) or undefined (GET) is still unchecked. */
  handle(registry: Registry, body: unknown): Promise<{ status: number; body: unknown }>;
}

/** Declares a route whose body is validated with `schema` before `handle` sees it. */
export function route<S extends z.ZodType>(spec: {
  method: Route['method'];
  path: string;
  admin?: boolean;
  /** Status of a success; 200 when omitted. */
  status?: number;
  body?: S;
  handle: (registry: Registry, body: z.infer<S>) => unknown;
}): Route {
  return {
    method: spec.method,
    path: spec.path,
    admin: spec.admin ?? false,
    async handle(registry, raw) {
      const parsed = spec.body ? spec.body.safeParse(raw) : { success: true as const, data: undefined };
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
        throw new RegistryError('invalid_request', `invalid request body: ${issues.join('; ')}`);
      }
      return { status: spec.status ?? 200, body: await spec.handle(registry, parsed.data as z.infer<S>) };
    },
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new RegistryError('too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new RegistryError('bad_json', 'the request body is not valid JSON');
  }
}

function checkAdmin(registry: Registry, req: IncomingMessage): void {
  const credential = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  const hash = getMeta(registry.db, 'adminHash');
  if (!credential || !hash || !secretMatches(credential, hash)) {
    throw new RegistryError(
      'unauthorized',
      'this call needs the admin credential `registry init` printed, as `Authorization: Bearer …`',
    );
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

async function dispatch(
  registry: Registry,
  routes: Map<string, Route[]>,
  req: IncomingMessage,
): Promise<{ status: number; body: unknown }> {
  const path = new URL(req.url ?? '/', 'http://registry').pathname;
  const candidates = routes.get(path);
  if (!candidates) throw new RegistryError('not_found', `no API endpoint at ${path}`);
  const found = candidates.find((r) => r.method === req.method);
  if (!found) {
    throw new RegistryError(
      'method_not_allowed',
      `${path} accepts ${candidates.map((r) => r.method).join(', ')}, not ${req.method}`,
    );
  }
  if (found.admin) checkAdmin(registry, req);
  const body = found.method === 'POST' ? await readJson(req) : undefined;
  return found.handle(registry, body);
}

/** TLS material for HTTPS. */
export interface TlsFiles {
  /** Server certificate chain, PEM. */
  cert: string;
  /** Its private key, PEM. */
  key: string;
}

/** Creates the (not yet listening) server for `routes`; HTTPS when `tls` is given. */
export function createRegistryServer(registry: Registry, routes: readonly Route[], tls?: TlsFiles): Server {
  const table = new Map<string, Route[]>();
  for (const r of routes) table.set(r.path, [...(table.get(r.path) ?? []), r]);
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    dispatch(registry, table, req).then(
      (result) => send(res, result.status, result.body),
      (err: unknown) => {
        if (err instanceof RegistryError) {
          registry.log.debug('Refused request', { path: req.url, code: err.code });
          send(res, err.status, { error: { code: err.code, message: err.message } });
          return;
        }
        registry.log.error('Request failed', {
          path: req.url,
          reason: err instanceof Error ? err.stack : String(err),
        });
        send(res, 500, {
          error: { code: 'internal', message: 'the registry hit an internal error; its log has the details' },
        });
      },
    );
  };
  const server = tls ? createHttpsServer(tls, onRequest) : createHttpServer(onRequest);
  server.requestTimeout = 30_000;
  return server;
}

/**
 * The built renderer (dist/renderer) over HTTP for the headless UI: GET and HEAD only, `/` is
 * `index.html`, nothing outside the directory is ever read (no `..`, no encoded separators, no
 * NUL), and every answer carries the CSP and `nosniff`.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * The CSP of the served pages for a server on `port`: the page's own scripts, styles, images and
 * fonts, and WebSocket connections back to this server only.
 */
export function webCsp(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ws://127.0.0.1:${port} ws://localhost:${port}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Headers of every answer of the server on `port`. */
export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': webCsp(port),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

/**
 * The file under `root` that `pathname` (still percent-encoded) names, or null when it would
 * leave `root` or is malformed.
 */
export function resolveStaticPath(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.split('/').some((segment) => segment === '..' || segment === '.')) return null;
  const base = resolve(root);
  const file = resolve(base, `.${decoded}`);
  return file.startsWith(base + sep) ? file : null;
}

/** Answers one HTTP request from `root` with the headers of the server on `port`. */
export async function serveStatic(
  root: string,
  port: number,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const headers = securityHeaders(port);
  const end = (status: number, text: string): void => {
    response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(text);
  };
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return end(405, 'method not allowed\n');
  }
  const file = resolveStaticPath(root, new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
  if (file === null) return end(400, 'bad path\n');
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return end(404, 'not found\n');
  }
  const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
  response.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': body.length });
  response.end(request.method === 'HEAD' ? undefined : body);
}

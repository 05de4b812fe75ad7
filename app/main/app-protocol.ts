/**
 * The window's origin: the built renderer (dist/renderer) is served on a privileged custom
 * scheme, `app://vifibnet/…`, rather than from file:// — so the page has a real origin that
 * navigation and IPC checks can compare, cannot read other local files, and every response
 * carries the Content-Security-Policy header.
 */
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { protocol } from 'electron';
import { toDisposable, type Disposable } from './disposable';

/** The scheme of the app's pages. */
export const APP_SCHEME = 'app';
/** The host of the app's pages. */
export const APP_HOST = 'vifibnet';
/** The page the window loads. */
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * The CSP of every app page: only the app's own scripts, styles, images and fonts; no eval, no
 * inline script, no plugins, no frames, no forms, no base rewriting. The renderer talks to the
 * engine through the preload bridge, so it needs no network access beyond its own origin.
 */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Headers of every app response besides its content type. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

/**
 * Declares the scheme as standard and secure (a real origin, a secure context, fetch allowed).
 * Must run before the app is ready.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** True when `url` is a page of the app (`app://vifibnet/…`). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

function errorResponse(status: 403 | 404 | 405): Response {
  return new Response(null, { status, headers: SECURITY_HEADERS });
}

/**
 * Answers one request for an app page with the file under `root` it names: GET only, this host
 * only, never a path outside `root`.
 */
export async function rendererResponse(root: string, request: Request): Promise<Response> {
  if (request.method !== 'GET') return errorResponse(405);
  const url = new URL(request.url);
  if (url.host !== APP_HOST) return errorResponse(404);
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return errorResponse(404);
  }
  if (pathname.includes('\0')) return errorResponse(403);
  const file = resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
  const inside = relative(root, file);
  if (inside === '' || inside.split(sep)[0] === '..' || isAbsolute(inside)) return errorResponse(403);
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return errorResponse(404);
  }
  const contentType = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  return new Response(new Uint8Array(body), {
    status: 200,
    headers: { ...SECURITY_HEADERS, 'Content-Type': contentType },
  });
}

/** Serves the built renderer in `root` on the app scheme until disposed. Call once the app is ready. */
export function serveRenderer(root: string): Disposable {
  protocol.handle(APP_SCHEME, (request) => rendererResponse(root, request));
  return toDisposable(() => protocol.unhandle(APP_SCHEME));
}

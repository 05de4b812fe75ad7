/**
 * The window's origin: the built renderer (dist/renderer) is served on a privileged custom
 * scheme, `app://vifibnet/…`, rather than from file:// — so the page has a real origin that
 * navigation and IPC checks can compare, cannot read other local files, and every response
 * carries the Content-Security-Policy header.
 */
import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import {
  contentTypeOf,
  rendererCsp,
  rendererHeaders,
  resolveStaticPath,
} from '../core/ui-server/renderer-files';
import { toDisposable, type Disposable } from './disposable';

/** The scheme of the app's pages. */
export const APP_SCHEME = 'app';
/** The host of the app's pages. */
export const APP_HOST = 'vifibnet';
/** The page the window loads. */
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * The CSP of every app page. The renderer talks to the engine through the preload bridge, so it
 * needs no network access beyond its own origin.
 */
export const RENDERER_CSP = rendererCsp("'self'");

/** Headers of every app response besides its content type. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = rendererHeaders(RENDERER_CSP);

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
  const file = resolveStaticPath(root, url.pathname);
  if (file === null) return errorResponse(403);
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return errorResponse(404);
  }
  const contentType = contentTypeOf(file);
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

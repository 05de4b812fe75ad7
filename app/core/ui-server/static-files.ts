/**
 * The built renderer (dist/renderer) over HTTP for the headless UI: GET and HEAD only, `/` is
 * `index.html`, nothing outside the directory is ever read (no `..`, no encoded separators, no
 * NUL), and every answer carries the CSP and `nosniff`.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentTypeOf, rendererCsp, rendererHeaders, resolveStaticPath } from './renderer-files';

/** The CSP of the served pages for a server on `port`: WebSocket connections back to it only. */
export function webCsp(port: number): string {
  return rendererCsp(`ws://127.0.0.1:${port} ws://localhost:${port}`);
}

/** Answers one HTTP request from `root` with the headers of the server on `port`. */
export async function serveStatic(
  root: string,
  port: number,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const headers = rendererHeaders(webCsp(port));
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
  const type = contentTypeOf(file);
  response.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': body.length });
  response.end(request.method === 'HEAD' ? undefined : body);
}

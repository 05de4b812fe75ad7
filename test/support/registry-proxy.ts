/**
 * Test support: a man in the middle on loopback that forwards to the registry and may rewrite
 * the answer of chosen paths, to prove that clients refuse altered data.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Rewrites the body of an answer to `path`; return it unchanged to pass it through. */
export type Rewrite = (path: string, body: string) => string;

/** A running proxy. */
export interface Proxy {
  url: string;
  close(): Promise<void>;
}

/** Starts a proxy to `target` on 127.0.0.1. */
export async function startProxy(target: string, rewrite: Rewrite): Promise<Proxy> {
  const server: Server = createServer((req, res) => {
    const upstream = request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (d: Buffer) => chunks.push(d));
        answer.on('end', () => {
          const body = rewrite(new URL(req.url ?? '/', target).pathname, Buffer.concat(chunks).toString());
          res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' });
          res.end(body);
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

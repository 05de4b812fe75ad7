/**
 * JSON over HTTP(S) to the registry with a deadline. A registry error body becomes a
 * {@link RegistryClientError} with the registry's code; every success body is validated.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { z } from 'zod';
import { ERROR_STATUS, ErrorBody, type RegistryErrorCode } from '../../registry/protocol';
import { RegistryClientError } from './errors';

/** Largest answer read, in bytes. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

function isRegistryCode(code: string): code is RegistryErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}

async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES)
      throw new RegistryClientError('bad_response', 'the registry answer is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Sends one request to `url` and parses the answer with `schema`. */
export async function requestJson<S extends z.ZodType>(
  url: URL,
  options: { method: 'GET' | 'POST'; body?: unknown; timeoutMs: number },
  schema: S,
): Promise<z.infer<S>> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = send(url, {
      method: options.method,
      headers:
        payload === undefined
          ? {}
          : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      timeout: options.timeoutMs,
    });
    req.on('timeout', () =>
      req.destroy(
        new RegistryClientError(
          'timeout',
          `the registry at ${url.origin} did not answer within ${options.timeoutMs} ms`,
        ),
      ),
    );
    req.on('error', (err) =>
      reject(
        err instanceof RegistryClientError
          ? err
          : new RegistryClientError(
              'unreachable',
              `cannot reach the registry at ${url.origin}: ${err.message}`,
            ),
      ),
    );
    req.on('response', (res) => {
      readBody(res).then((text) => resolve({ status: res.statusCode ?? 0, text }), reject);
    });
    req.end(payload);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RegistryClientError(
      'bad_response',
      `${url.pathname} answered HTTP ${status} with a body that is not JSON`,
    );
  }
  if (status >= 400) {
    const error = ErrorBody.safeParse(json);
    if (!error.success)
      throw new RegistryClientError(
        'bad_response',
        `${url.pathname} answered HTTP ${status} without an error body`,
      );
    const { code, message } = error.data.error;
    throw new RegistryClientError(isRegistryCode(code) ? code : 'bad_response', message);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new RegistryClientError(
      'bad_response',
      `${url.pathname} answered with an unexpected body: ${parsed.error.message}`,
    );
  }
  return parsed.data;
}

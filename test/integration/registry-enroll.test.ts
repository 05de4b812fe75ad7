import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryClient } from '../../app/core/registry-client/client';
import { refreshNetworkConfig } from '../../app/core/registry-client/network-config';
import { verifyConfig } from '../../app/registry/network-config';
import { parsePrefix } from '../../app/registry/ipv6';
import { nodeName } from '../../app/registry/node-name';
import { createCsr, generateNodeKey } from '../../app/registry/pki';
import {
  adminCall,
  createTokens,
  initRegistryDir,
  removeDir,
  runCli,
  startRegistry,
  tempDir,
  type InitInfo,
  type RegistryProcess,
} from '../support/registry-process';
import { blankCsr, errorCode, mismatchedCsr } from '../support/registry-nodes';
import { startProxy } from '../support/registry-proxy';

describe('registry enrolment against a real registry process', () => {
  let root: string;
  let init: InitInfo;
  let registry: RegistryProcess;
  let client: RegistryClient;

  beforeAll(async () => {
    root = tempDir('registry-enroll');
    init = await initRegistryDir(join(root, 'registry'), ['--network-prefix', 'fd12:3456:789a::/48']);
    registry = await startRegistry(init.dir);
    client = new RegistryClient(registry.url);
  });

  afterAll(async () => {
    await registry?.stop();
    removeDir(root);
  });

  test('full enrolment with the CLI: 0600 key, CA-signed certificate naming the prefix, verified config', async () => {
    const [token] = await createTokens(registry.url, init.adminCredential, 1);
    const state = tempDir('node-state');
    try {
      const result = await runCli([
        'node',
        'enroll',
        '--registry',
        registry.url,
        '--token',
        token!,
        '--ca-fingerprint',
        init.caFingerprint,
        '--state-dir',
        state,
        '--json',
      ]);
      expect(result.stderr).toContain('Enrolling with the registry … done in');
      expect(result.code).toBe(0);
      const out = JSON.parse(result.stdout) as { prefix: string; name: string; config: { version: number } };
      expect(out.prefix).toBe('fd12:3456:789a:1::/64');
      expect(out.name).toBe(nodeName(parsePrefix(out.prefix)!));
      expect(out.config.version).toBe(1);

      expect(statSync(join(state, 'key.pem')).mode & 0o777).toBe(0o600);
      const ca = new X509Certificate(readFileSync(join(state, 'ca.pem')));
      const cert = new X509Certificate(readFileSync(join(state, 'cert.pem')));
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.subject).toBe(`CN=fd123456789a0001-64\nOU=fd12:3456:789a:1::/64`);
      expect(ca.fingerprint256.replaceAll(':', '').toLowerCase()).toBe(init.caFingerprint);
      const stored = JSON.parse(readFileSync(join(state, 'network-config.json'), 'utf8')) as {
        config: string;
        signature: string;
      };
      expect(verifyConfig(ca.toString(), stored, 1).ok).toBe(true);

      const again = await runCli([
        'node',
        'enroll',
        '--registry',
        registry.url,
        '--token',
        token!,
        '--ca-fingerprint',
        init.caFingerprint,
        '--state-dir',
        join(state, 'second'),
      ]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already used.*\[token_used\]/);
    } finally {
      removeDir(state);
    }
  });

  test('a reused token is refused', async () => {
    const [token] = await createTokens(registry.url, init.adminCredential, 1);
    await client.enroll(token!, (await blankCsr()).csr);
    expect(await errorCode(client.enroll(token!, (await blankCsr()).csr))).toBe('token_used');
  });

  test('an expired token is refused, and so is an unknown one', async () => {
    const { body } = await adminCall<{ tokens: { token: string; expiresAt: string }[] }>(
      registry.url,
      init.adminCredential,
      'POST',
      'tokens',
      { ttlSeconds: 1 },
    );
    const [{ token, expiresAt }] = body.tokens as [{ token: string; expiresAt: string }];
    const { csr } = await blankCsr();
    while (Date.now() <= Date.parse(expiresAt)) await new Promise((r) => setTimeout(r, 50));
    expect(await errorCode(client.enroll(token, csr))).toBe('token_expired');
    expect(await errorCode(client.enroll(`vfb_${'A'.repeat(43)}`, csr))).toBe('token_unknown');
  });

  test('a CSR whose key does not match its signature is refused, and the token stays usable', async () => {
    const [token] = await createTokens(registry.url, init.adminCredential, 1);
    expect(await errorCode(client.enroll(token!, await mismatchedCsr()))).toBe('csr_bad_signature');
    const issued = await client.enroll(token!, (await blankCsr()).csr);
    expect(issued.prefix).toMatch(/^fd12:3456:789a:[0-9a-f]+::\/64$/);
  });

  test('a CSR asking for a name or prefix is refused with a message saying what to send', async () => {
    const [token] = await createTokens(registry.url, init.adminCredential, 1);
    const csr = await createCsr(await generateNodeKey(), 'fd123456789a0042-64');
    const res = await fetch(`${registry.url}/v1/enroll`, {
      method: 'POST',
      body: JSON.stringify({ token, csr }),
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('csr_not_blank');
    expect(error.message).toContain('CN=fd123456789a0042-64');
    expect(error.message).toContain('empty subject');
  });

  test('a tampered network config is refused and not stored', async () => {
    const [token] = await createTokens(registry.url, init.adminCredential, 1);
    const proxy = await startProxy(registry.url, (path, body) =>
      path === '/v1/config' ? body.replace('\\"helloInterval\\":1', '\\"helloInterval\\":30') : body,
    );
    const state = tempDir('node-state');
    try {
      const result = await runCli([
        'node',
        'enroll',
        '--registry',
        proxy.url,
        '--token',
        token!,
        '--ca-fingerprint',
        init.caFingerprint,
        '--state-dir',
        state,
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/not signed by the network CA.*\[config_bad_signature\]/);
      expect(existsSync(join(state, 'network-config.json'))).toBe(false);
    } finally {
      await proxy.close();
      removeDir(state);
    }
  });

  test('an older network config than one already seen is refused (rollback)', async () => {
    const state = tempDir('node-state');
    const old = await client.fetchConfig();
    let replay = false;
    const proxy = await startProxy(registry.url, (path, body) =>
      replay && path === '/v1/config' ? JSON.stringify(old) : body,
    );
    try {
      const ca = await client.fetchCa(init.caFingerprint);
      const set = await runCli([
        'registry',
        'config',
        'set',
        '--dir',
        init.dir,
        'helloInterval',
        '0.5',
        '--json',
      ]);
      expect(JSON.parse(set.stdout)).toMatchObject({ kind: 'network', version: 2 });
      const viaProxy = new RegistryClient(proxy.url);
      expect((await refreshNetworkConfig(viaProxy, state, ca)).helloInterval).toBe(0.5);
      replay = true;
      expect(await errorCode(refreshNetworkConfig(viaProxy, state, ca))).toBe('config_rollback');
    } finally {
      await proxy.close();
      removeDir(state);
    }
  });

  test('the CA must be pinned over HTTP and must match the pin', async () => {
    expect(await errorCode(client.fetchCa())).toBe('ca_not_pinned');
    expect(await errorCode(client.fetchCa('00'.repeat(32)))).toBe('ca_fingerprint_mismatch');
    expect(await client.fetchCa(init.caFingerprint.toUpperCase())).toContain('BEGIN CERTIFICATE');
  });

  test('over HTTPS the CA needs no pin: the TLS certificate authenticates the registry', async () => {
    const tls = tempDir('registry-tls');
    const state = tempDir('node-state');
    let https: RegistryProcess | undefined;
    try {
      const [cert, key] = [join(tls, 'cert.pem'), join(tls, 'key.pem')];
      await promisify(execFile)('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ]);
      https = await startRegistry(init.dir, ['--tls-cert', cert, '--tls-key', key]);
      expect(https.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const [token] = await createTokens(registry.url, init.adminCredential, 1);
      const args = [
        'node',
        'enroll',
        '--registry',
        https.url,
        '--token',
        token!,
        '--state-dir',
        state,
        '--json',
      ];
      const untrusted = await runCli(args);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toContain('[unreachable]');
      const trusted = await runCli(args, { NODE_EXTRA_CA_CERTS: cert });
      expect(trusted.code).toBe(0);
      expect((JSON.parse(trusted.stdout) as { prefix: string }).prefix).toMatch(/^fd12:3456:789a:/);
    } finally {
      await https?.stop();
      removeDir(tls);
      removeDir(state);
    }
  });

  test('malformed requests get stable JSON errors', async () => {
    const post = (path: string, body: string) => fetch(`${registry.url}${path}`, { method: 'POST', body });
    const cases: [Promise<Response>, number, string][] = [
      [post('/v1/enroll', '{not json'), 400, 'bad_json'],
      [post('/v1/enroll', JSON.stringify({ token: 'x', csr: 'y' })), 400, 'invalid_request'],
      [post('/v1/enroll', 'x'.repeat(70_000)), 413, 'too_large'],
      [fetch(`${registry.url}/v1/nowhere`), 404, 'not_found'],
      [fetch(`${registry.url}/v1/enroll`), 405, 'method_not_allowed'],
      [fetch(`${registry.url}/v1/admin/tokens`), 401, 'unauthorized'],
    ];
    for (const [call, status, code] of cases) {
      const res = await call;
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
  });
});

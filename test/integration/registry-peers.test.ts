import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryClient } from '../../app/core/registry-client/client';
import { checkPeerRecords } from '../../app/core/registry-client/peer-records';
import { signEnvelope } from '../../app/registry/envelope';
import { createCa, createCsr, generateNodeKey, issueCertificate } from '../../app/registry/pki';
import {
  createTokens,
  initRegistryDir,
  pollUntil,
  removeDir,
  runCli,
  startRegistry,
  tempDir,
  type InitInfo,
  type RegistryProcess,
} from '../support/registry-process';
import { blankCsr, enrollNode, errorCode, type TestNode } from '../support/registry-nodes';

const run = promisify(execFile);
const endpoints = [{ address: '192.0.2.10', port: 1194, protocol: 'udp' as const }];

describe('renew, revoke, CRL, announce and bootstrap against a real registry process', () => {
  let root: string;
  let init: InitInfo;
  let registry: RegistryProcess;
  let client: RegistryClient;
  let ca: string;
  const enroll = async (): Promise<TestNode> =>
    enrollNode(client, (await createTokens(registry.url, init.adminCredential, 1))[0]!);

  beforeAll(async () => {
    root = tempDir('registry-peers');
    init = await initRegistryDir(join(root, 'registry'), ['--set', 'peerTimeout=1']);
    registry = await startRegistry(init.dir);
    client = new RegistryClient(registry.url);
    ca = await client.fetchCa(init.caFingerprint);
  });

  afterAll(async () => {
    await registry?.stop();
    removeDir(root);
  });

  test('bootstrap returns signed records of live peers only, and drops them after the peer timeout', async () => {
    const [a, b] = [await enroll(), await enroll()];
    const { lastSeen } = await client.announce(a.identity, a.issued.prefix, endpoints);
    const seen = checkPeerRecords(ca, await client.bootstrap(b.identity, 10));
    expect(seen.rejected).toBe(0);
    const record = seen.peers.find((p) => p.prefix === a.issued.prefix);
    expect(record).toMatchObject({ name: a.issued.name, endpoints });
    expect(
      checkPeerRecords(ca, await client.bootstrap(a.identity, 10)).peers.map((p) => p.prefix),
    ).not.toContain(a.issued.prefix);

    await pollUntil('a to time out', async () => {
      const peers = checkPeerRecords(ca, await client.bootstrap(b.identity, 10)).peers;
      return peers.some((p) => p.prefix === a.issued.prefix) ? undefined : true;
    });
    expect(Date.now() - Date.parse(lastSeen)).toBeGreaterThanOrEqual(1000);
    const list = await runCli(['registry', 'node', 'list', '--dir', init.dir, '--json']);
    const nodes = (
      JSON.parse(list.stdout) as { nodes: { prefix: string; reachable: boolean; lastSeen: string | null }[] }
    ).nodes;
    const listed = nodes.find((n) => n.prefix === a.issued.prefix);
    expect(listed?.reachable).toBe(false);
    expect(listed?.lastSeen).toBe(lastSeen);

    await client.announce(a.identity, a.issued.prefix, endpoints);
    expect(checkPeerRecords(ca, await client.bootstrap(b.identity, 10)).peers.map((p) => p.prefix)).toContain(
      a.issued.prefix,
    );
  });

  test('an announce signed by another node, for another prefix, from another CA, replayed or skewed is refused', async () => {
    const [a, b] = [await enroll(), await enroll()];
    const payload = { type: 'announce', prefix: a.issued.prefix, endpoints };
    const post = (body: unknown) =>
      fetch(`${registry.url}/v1/announce`, { method: 'POST', body: JSON.stringify(body) });
    const codeOf = async (body: unknown) =>
      ((await (await post(body)).json()) as { error?: { code: string } }).error?.code;

    const forged = signEnvelope(b.identity.privateKeyPem, a.identity.certPem, {
      ...payload,
      timestamp: Date.now(),
    });
    expect(await codeOf(forged)).toBe('bad_signature');
    expect(await errorCode(client.announce(b.identity, a.issued.prefix, endpoints))).toBe('prefix_mismatch');

    const otherCa = await createCa({ commonName: 'rogue', validDays: 1 });
    const rogueKey = await generateNodeKey();
    const rogueCert = await issueCertificate(otherCa, await createCsr(rogueKey), {
      commonName: a.issued.name,
      validDays: 1,
    });
    expect(
      await codeOf(signEnvelope(rogueKey.privateKeyPem, rogueCert, { ...payload, timestamp: Date.now() })),
    ).toBe('cert_invalid');

    const first = signEnvelope(a.identity.privateKeyPem, a.identity.certPem, {
      ...payload,
      timestamp: Date.now(),
    });
    expect((await post(first)).status).toBe(200);
    expect(await codeOf(first)).toBe('stale_record');
    expect(
      await codeOf(
        signEnvelope(a.identity.privateKeyPem, a.identity.certPem, {
          ...payload,
          timestamp: Date.now() - 3_600_000,
        }),
      ),
    ).toBe('clock_skew');
  });

  test('a revoked node leaves bootstrap at once, is refused, and its certificate is on the CRL that OpenSSL checks', async () => {
    const [a, b] = [await enroll(), await enroll()];
    await client.announce(a.identity, a.issued.prefix, endpoints);
    expect(checkPeerRecords(ca, await client.bootstrap(b.identity, 10)).peers.map((p) => p.prefix)).toContain(
      a.issued.prefix,
    );

    const revoked = await runCli(['registry', 'node', 'revoke', '--dir', init.dir, a.issued.prefix]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`node ${a.issued.name} (${a.issued.prefix}) revoked: 1 certificate(s)`);

    expect(
      checkPeerRecords(ca, await client.bootstrap(b.identity, 10)).peers.map((p) => p.prefix),
    ).not.toContain(a.issued.prefix);
    expect(await errorCode(client.announce(a.identity, a.issued.prefix, endpoints))).toBe('cert_revoked');
    expect(await errorCode(client.bootstrap(a.identity, 10))).toBe('cert_revoked');

    const { crl, revoked: count } = await client.fetchCrl();
    expect(count).toBeGreaterThanOrEqual(1);
    const files = tempDir('crl');
    try {
      writeFileSync(join(files, 'ca.pem'), ca);
      writeFileSync(join(files, 'crl.pem'), crl);
      writeFileSync(join(files, 'a.pem'), a.identity.certPem);
      writeFileSync(join(files, 'b.pem'), b.identity.certPem);
      const text = (await run('openssl', ['crl', '-in', join(files, 'crl.pem'), '-noout', '-text'])).stdout;
      expect(text.toLowerCase()).toContain(a.issued.serial);
      const verify = (cert: string) =>
        run('openssl', [
          'verify',
          '-crl_check',
          '-CAfile',
          join(files, 'ca.pem'),
          '-CRLfile',
          join(files, 'crl.pem'),
          join(files, cert),
        ]).then(
          () => 'ok',
          (err: { stdout: string; stderr: string }) => err.stdout + err.stderr,
        );
      expect(await verify('b.pem')).toBe('ok');
      expect(await verify('a.pem')).toContain('certificate revoked');
    } finally {
      removeDir(files);
    }
    expect(await errorCode(client.renew(a.identity, (await blankCsr()).csr))).toBe('cert_revoked');
  });

  test('renewal is refused before the last 30 days and issues a new certificate for the same prefix inside them', async () => {
    const early = await enroll();
    const { csr } = await blankCsr();
    const refused = await errorCode(client.renew(early.identity, csr));
    expect(refused).toBe('renew_too_early');

    const set = await runCli(['registry', 'config', 'set', '--dir', init.dir, 'certDays', '20']);
    expect(set.code).toBe(0);
    try {
      const late = await enroll();
      const fresh = await blankCsr();
      const renewed = await client.renew(late.identity, fresh.csr);
      expect(renewed.prefix).toBe(late.issued.prefix);
      expect(renewed.name).toBe(late.issued.name);
      expect(renewed.serial).not.toBe(late.issued.serial);
      expect(Date.parse(renewed.notAfter)).toBeGreaterThanOrEqual(Date.parse(late.issued.notAfter));
      const renewedIdentity = { certPem: renewed.certificate, privateKeyPem: fresh.key.privateKeyPem };
      expect((await client.announce(renewedIdentity, renewed.prefix, endpoints)).prefix).toBe(
        late.issued.prefix,
      );
    } finally {
      await runCli(['registry', 'config', 'set', '--dir', init.dir, 'certDays', '365']);
    }
  });
});

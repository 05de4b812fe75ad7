import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryClient } from '../../app/core/registry-client/client';
import { NetworkConfig, verifyConfig } from '../../app/registry/network-config';
import {
  adminCall,
  initRegistryDir,
  pollUntil,
  removeDir,
  runCli,
  startRegistry,
  tempDir,
  type InitInfo,
  type RegistryProcess,
} from '../support/registry-process';
import { blankCsr, errorCode } from '../support/registry-nodes';
import { startSmtpSink } from '../support/registry-smtp';

interface TokenRow {
  id: string;
  status: string;
  email: string | null;
  usedBy: string | null;
}

describe('registry admin CLI, admin API and token e-mail against a real registry process', () => {
  let root: string;
  let init: InitInfo;
  let registry: RegistryProcess;
  let client: RegistryClient;
  const cli = async (...args: string[]) => {
    const result = await runCli(['registry', ...args, '--dir', init.dir]);
    return { ...result, json: () => JSON.parse(result.stdout) as unknown };
  };
  const configure = async (key: string, value: string) =>
    expect(
      (await adminCall(registry.url, init.adminCredential, 'POST', 'config', { key, value })).status,
    ).toBe(200);
  const tokens = async () => ((await cli('token', 'list', '--json')).json() as { tokens: TokenRow[] }).tokens;

  beforeAll(async () => {
    root = tempDir('registry-admin');
    init = await initRegistryDir(join(root, 'registry'), ['--set', 'mailFrom=registry@example.test']);
    registry = await startRegistry(init.dir);
    client = new RegistryClient(registry.url);
  });

  afterAll(async () => {
    await registry?.stop();
    removeDir(root);
  });

  test('token create --email delivers a working token to a local SMTP sink', async () => {
    const sink = await startSmtpSink();
    try {
      await configure('smtpUrl', sink.url);
      await configure('publicUrl', registry.url);
      const created = await cli('token', 'create', '--email', 'alice@example.test', '--json');
      expect(created.stderr).toMatch(/Mailing enrolment token … done in \d+ ms/);
      expect(created.code).toBe(0);
      const mail = await pollUntil('the mail', () => sink.messages[0]);
      expect(mail.to).toEqual(['alice@example.test']);
      expect(mail.from).toBe('registry@example.test');
      const command =
        /vifibnet node enroll --registry (\S+) --token (vfb_\S+) --ca-fingerprint ([0-9a-f]{64})/.exec(
          mail.raw.replace(/=\r?\n/g, ''),
        );
      expect(command?.[1]).toBe(registry.url);
      expect(command?.[3]).toBe(init.caFingerprint);
      const issued = await client.enroll(command![2]!, (await blankCsr()).csr);
      const row = (await tokens()).find((t) => t.email === 'alice@example.test');
      expect(row).toMatchObject({ status: 'used', usedBy: issued.prefix });
    } finally {
      await configure('smtpUrl', '');
      await sink.close();
    }
  });

  test('a mail the SMTP server refuses revokes its token; no SMTP server configured is a clear error', async () => {
    const none = await cli('token', 'create', '--email', 'bob@example.test');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no SMTP server is configured.*\[smtp_not_configured\]/);

    const sink = await startSmtpSink({ refuseRecipients: true });
    try {
      await configure('smtpUrl', sink.url);
      const refused = await cli('token', 'create', '--email', 'carol@example.test');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/did not take the mail.*revoked \[mail_failed\]/);
      expect((await tokens()).find((t) => t.email === 'carol@example.test')?.status).toBe('revoked');
    } finally {
      await configure('smtpUrl', '');
      await sink.close();
    }
  });

  test('token create, list and revoke; a revoked token cannot enrol', async () => {
    const created = (await cli('token', 'create', '--count', '2', '--ttl', '600', '--json')).json() as {
      tokens: { token: string; id: string }[];
    };
    expect(created.tokens).toHaveLength(2);
    const [first, second] = created.tokens as [{ token: string; id: string }, { token: string; id: string }];
    expect(first.token).toMatch(/^vfb_[A-Za-z0-9_-]{43}$/);
    expect((await tokens()).filter((t) => [first.id, second.id].includes(t.id)).map((t) => t.status)).toEqual(
      ['unused', 'unused'],
    );
    expect((await cli('token', 'revoke', first.id)).stdout).toContain(`token ${first.id} revoked`);
    expect(await errorCode(client.enroll(first.token, (await blankCsr()).csr))).toBe('token_revoked');
    const missing = await cli('token', 'revoke', '0123456789abcdef');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[token_not_found]');
  });

  test('config set publishes a new signed version; bad keys and values are refused with what is accepted', async () => {
    const before = NetworkConfig.parse(JSON.parse((await client.fetchConfig()).config));
    const set = (await cli('config', 'set', 'clientCount', '7', '--json')).json() as { version: number };
    expect(set.version).toBe(before.version + 1);
    const ca = await client.fetchCa(init.caFingerprint);
    const checked = verifyConfig(ca, await client.fetchConfig(), before.version + 1);
    expect(checked.ok && checked.config.clientCount).toBe(7);

    const unknown = await cli('config', 'set', 'helloIntervall', '1');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown key 'helloIntervall'; known keys: helloInterval");
    const bad = await cli('config', 'set', 'helloInterval', '0.01');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/helloInterval: .*0\.05/);
    const usage = await runCli(['registry', 'config', 'set', 'helloInterval']);
    expect(usage.code).toBe(2);
  });

  test('the admin API needs the admin credential and offers the same operations', async () => {
    expect((await adminCall(registry.url, 'vfa_wrong', 'GET', 'tokens')).status).toBe(401);
    const created = await adminCall<{ tokens: { token: string }[] }>(
      registry.url,
      init.adminCredential,
      'POST',
      'tokens',
      {},
    );
    expect(created.status).toBe(201);
    const issued = await client.enroll(created.body.tokens[0]!.token, (await blankCsr()).csr);
    const listed = await adminCall<{ nodes: { prefix: string; status: string }[] }>(
      registry.url,
      init.adminCredential,
      'GET',
      'nodes',
    );
    expect(listed.body.nodes.find((n) => n.prefix === issued.prefix)?.status).toBe('active');
    const revoked = await adminCall<{ name: string }>(
      registry.url,
      init.adminCredential,
      'POST',
      'nodes/revoke',
      { node: issued.name },
    );
    expect(revoked.body.name).toBe(issued.name);
    const after = await cli('node', 'list', '--json');
    expect(
      (after.json() as { nodes: { prefix: string; status: string }[] }).nodes.find(
        (n) => n.prefix === issued.prefix,
      )?.status,
    ).toBe('revoked');
    const unknown = await adminCall<{ error: { code: string } }>(
      registry.url,
      init.adminCredential,
      'POST',
      'nodes/revoke',
      {
        node: 'fd00::/64',
      },
    );
    expect(unknown.body.error.code).toBe('node_unknown');
  });
});

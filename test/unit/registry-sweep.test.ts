import { afterEach, describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { createLogger } from '../../app/core/log';
import { enroll } from '../../app/registry/enrollment';
import { signEnvelope } from '../../app/registry/envelope';
import { initRegistry } from '../../app/registry/init';
import { listNodes } from '../../app/registry/nodes';
import { announce, sweep } from '../../app/registry/peers';
import { openRegistry, type Registry } from '../../app/registry/registry';
import { revokeNode } from '../../app/registry/revocation';
import { createTokens } from '../../app/registry/tokens';
import { blankCsr } from '../support/registry-nodes';
import { removeDir, tempDir } from '../support/registry-process';

const DAY = 86_400_000;

describe('registry sweep (real database, injected clock)', () => {
  let dir: string | undefined;
  let registry: Registry | undefined;

  afterEach(() => {
    registry?.db.close();
    if (dir) removeDir(dir);
  });

  async function setUp(): Promise<{ registry: Registry; clock: { t: number } }> {
    dir = tempDir('registry-sweep');
    await initRegistry(join(dir, 'registry'), { networkPrefix: 'fd00:5::/48', settings: { certDays: 2 } });
    const clock = { t: Date.now() };
    registry = openRegistry(join(dir, 'registry'), {
      now: () => clock.t,
      log: createLogger({ scope: 'test', level: 'error' }),
    });
    return { registry, clock };
  }

  async function enrolled(reg: Registry) {
    const [created] = createTokens(reg, { count: 1, ttlSeconds: 60 });
    const token = created!.token;
    const { key, csr } = await blankCsr();
    const issued = await enroll(reg, { token, csr });
    return { issued, key: key.privateKeyPem };
  }

  test('records of expired certificates are dropped and their prefixes released for reuse', async () => {
    const { registry: reg, clock } = await setUp();
    const a = await enrolled(reg);
    announce(
      reg,
      signEnvelope(a.key, a.issued.certificate, {
        type: 'announce',
        prefix: a.issued.prefix,
        endpoints: [{ address: '192.0.2.1', port: 1194, protocol: 'udp' }],
        timestamp: clock.t,
      }),
    );
    expect(sweep(reg)).toEqual({ recordsRemoved: 0, prefixesReleased: [] });

    clock.t += 3 * DAY;
    expect(listNodes(reg)[0]?.status).toBe('expired');
    expect(sweep(reg)).toEqual({ recordsRemoved: 1, prefixesReleased: ['fd00:5:0:1::/64'] });
    expect(listNodes(reg)).toEqual([]);
    expect((await enrolled(reg)).issued.prefix).toBe('fd00:5:0:1::/64');
  });

  test('a revoked node keeps its prefix until its certificate has expired', async () => {
    const { registry: reg, clock } = await setUp();
    const a = await enrolled(reg);
    revokeNode(reg, a.issued.name);
    clock.t += DAY;
    expect(sweep(reg).prefixesReleased).toEqual([]);
    expect((await enrolled(reg)).issued.prefix).toBe('fd00:5:0:2::/64');
    clock.t += 2 * DAY;
    expect(sweep(reg).prefixesReleased).toContain(a.issued.prefix);
  });
});

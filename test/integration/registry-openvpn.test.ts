/**
 * Acceptance: certificates issued by a real registry process work in a real OpenVPN 2.6 TLS
 * handshake between two enrolled nodes (each a namespace with its own helper), and once the
 * registry revokes one of them, its CRL makes the other side refuse it.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryClient } from '../../app/core/registry-client/client';
import { enrollNode, type EnrollResult } from '../../app/core/registry-client/enroll';
import { STATE_FILES } from '../../app/core/registry-client/state-dir';
import { createLogger } from '../../app/core/log';
import { formatAddress, parsePrefix } from '../../app/registry/ipv6';
import { startHelperProcess, type HelperProcess } from '../support/helper-process';
import { createNetns, createVethPair, pollUntil, randomSuffix, type Netns } from '../../app/cli/demo/netns';
import {
  createTokens,
  initRegistryDir,
  runCli,
  startRegistry,
  type InitInfo,
  type RegistryProcess,
} from '../support/registry-process';

const PORT = 1194;

interface Member {
  ns: Netns;
  helper: HelperProcess;
  stateDir: string;
  enrolled: EnrollResult;
  underlay: string;
}

describe('registry certificates in a real OpenVPN 2.6 handshake', () => {
  let dir: string;
  let init: InitInfo;
  let registry: RegistryProcess | undefined;
  const namespaces: Netns[] = [];
  const helpers: HelperProcess[] = [];
  let a: Member;
  let b: Member;
  const clientDev = `vfbc-${randomSuffix(2)}`;

  /** Enrols through the real client into `dir/<name>` and starts that node's helper in `ns`. */
  const member = async (ns: Netns, name: string, token: string, underlay: string): Promise<Member> => {
    const stateDir = join(dir, name);
    const enrolled = await enrollNode({
      registry: registry!.url,
      token,
      caFingerprint: init.caFingerprint,
      stateDir,
      log: createLogger({ scope: `test-${name}`, level: 'error' }),
    });
    const helper = await startHelperProcess(ns, dir, `helper-${name}`);
    helpers.push(helper);
    const read = (file: string) => readFileSync(join(stateDir, file), 'utf8');
    await helper.client.call('network.configure', {
      networkPrefix: enrolled.config.networkPrefix,
      nodePrefix: enrolled.prefix,
      address: formatAddress(parsePrefix(enrolled.prefix)!.value + 1n),
    });
    const installed = await helper.client.call('credentials.install', {
      ca: read(STATE_FILES.ca),
      cert: read(STATE_FILES.cert),
      key: read(STATE_FILES.key),
    });
    expect(installed.subject).toContain(enrolled.name);
    return { ns, helper, stateDir, enrolled, underlay };
  };

  const clientUp = async (): Promise<boolean> =>
    (await b.helper.client.call('status', {})).openvpn.find((o) => o.device === clientDev)?.up === true;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vfb-registry-openvpn-'));
    init = await initRegistryDir(join(dir, 'registry'));
    registry = await startRegistry(init.dir);
    const nsA = await createNetns('vfbra');
    namespaces.push(nsA);
    const nsB = await createNetns('vfbrb');
    namespaces.push(nsB);
    await createVethPair({ ns: nsA, address: '198.18.0.1/30' }, { ns: nsB, address: '198.18.0.2/30' });
    const [tokenA, tokenB] = await createTokens(registry.url, init.adminCredential, 2);
    a = await member(nsA, 'a', tokenA!, '198.18.0.1');
    b = await member(nsB, 'b', tokenB!, '198.18.0.2');
  });

  afterAll(async () => {
    for (const h of helpers) {
      await h.client.dispose().catch(() => undefined);
      h.child.kill('SIGKILL');
    }
    for (const ns of namespaces) await ns.destroy();
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('two enrolled nodes complete the TLS handshake, each pinning the other by its registry name', async () => {
    const client = new RegistryClient(registry!.url);
    const empty = await client.fetchCrl();
    expect(empty.revoked).toBe(0);
    expect((await a.helper.client.call('credentials.setCrl', { crl: empty.crl })).revoked).toBe(0);
    await a.helper.client.call('openvpn.listen', { protocol: 'udp', port: PORT, maxClients: 4 });
    await b.helper.client.call('openvpn.connect', {
      device: clientDev,
      remote: a.underlay,
      port: PORT,
      protocol: 'udp',
      peerName: a.enrolled.name,
    });
    await pollUntil('B to complete the handshake with A', clientUp, { timeoutMs: 20_000 });
    expect(a.helper.logText()).toContain(`VERIFY OK: depth=0, CN=${b.enrolled.name}`);
    expect(b.helper.logText()).toContain(`VERIFY OK: depth=0, CN=${a.enrolled.name}`);
  });

  test('after the registry revokes B, its CRL makes A refuse B', async () => {
    const revoked = await runCli(['registry', 'node', 'revoke', '--dir', init.dir, b.enrolled.prefix]);
    expect(revoked.code).toBe(0);
    const { crl, revoked: count } = await new RegistryClient(registry!.url).fetchCrl();
    expect(count).toBe(1);
    expect((await a.helper.client.call('credentials.setCrl', { crl })).revoked).toBe(1);

    await b.helper.client.call('openvpn.disconnect', { device: clientDev });
    const logged = a.helper.logText().length;
    await b.helper.client.call('openvpn.connect', {
      device: clientDev,
      remote: a.underlay,
      port: PORT,
      protocol: 'udp',
      peerName: a.enrolled.name,
    });
    const refusal = await pollUntil(
      'A to refuse B as revoked',
      () =>
        /VERIFY ERROR: depth=0, error=certificate revoked[^\n]*/.exec(a.helper.logText().slice(logged))?.[0],
      { timeoutMs: 20_000 },
    );
    expect(refusal).toContain(b.enrolled.name);
    expect(await clientUp()).toBe(false);
  });
});

/**
 * The real helper process with its real handlers refuses requests that pass the protocol's
 * schemas but fail the helper's own checks — prefixes outside the network, credentials that are
 * PEM-shaped but not a valid certificate or key, a certificate of another CA, a key that does
 * not match, a CRL of another CA, devices it did not create, operations out of order — each
 * with a clear code, and leaves no process, file or device behind.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelperCallError } from '../../app/core/helper-client/client';
import {
  createCa,
  createCrl,
  createCsr,
  generateNodeKey,
  issueCertificate,
  type CaBundle,
} from '../../app/registry/pki';
import { startHelperProcess, type HelperProcess } from '../support/helper-process';
import { createNetns, linkNames, randomSuffix, type Netns } from '../../app/cli/demo/netns';

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    out.push(join(e.parentPath, e.name).slice(dir.length));
  }
  return out.sort();
}

async function refused(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HelperCallError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('the helper accepted a request it should refuse');
}

const BIN = resolve(import.meta.dirname, '../../bin/vifibnet.mjs');
const GARBAGE_CERT =
  '-----BEGIN CERTIFICATE-----\nTUlJQm9nPT0gbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
const GARBAGE_KEY = '-----BEGIN PRIVATE KEY-----\nTUlJQm9nPT0gbm90IGEga2V5\n-----END PRIVATE KEY-----\n';

describe('helper operation checks (real helper process)', () => {
  let dir: string;
  let ns: Netns;
  let helper: HelperProcess;
  let ca: CaBundle;
  let otherCa: CaBundle;
  let node: { cert: string; key: string };
  let stranger: { cert: string; key: string };
  const foreignDev = `vfbx-${randomSuffix(3)}`;
  const net = `fd${randomSuffix(1)}:${randomSuffix(2)}:${randomSuffix(2)}`;

  async function issue(by: CaBundle, cn: string): Promise<{ cert: string; key: string }> {
    const key = await generateNodeKey();
    return {
      cert: await issueCertificate(by, await createCsr(key, cn), { commonName: cn, validDays: 1 }),
      key: key.privateKeyPem,
    };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vfb-val-'));
    ns = await createNetns('vfbv');
    // a device the helper did not create, with a name the schema accepts
    await ns.ip('link', 'add', foreignDev, 'type', 'veth', 'peer', 'name', `${foreignDev}p`);
    [ca, otherCa] = await Promise.all([
      createCa({ commonName: 'test-ca', validDays: 1 }),
      createCa({ commonName: 'other-ca', validDays: 1 }),
    ]);
    node = await issue(ca, 'node-v');
    stranger = await issue(otherCa, 'node-x');
    helper = await startHelperProcess(ns, dir, 'v');
  });

  afterAll(async () => {
    await helper?.client.dispose().catch(() => undefined);
    helper?.child.kill('SIGKILL');
    await ns?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses each bad request with a clear code and leaves nothing behind', async () => {
    const c = helper.client;
    const treeBefore = await listTree(helper.stateDir);
    const linksBefore = await linkNames(ns);
    const pidsBefore = await ns.pids();

    const cases: Array<[string, () => Promise<unknown>, string, RegExp]> = [
      [
        'node prefix outside the network',
        () =>
          c.call('network.configure', {
            networkPrefix: `${net}::/48`,
            nodePrefix: 'fd00:dead:beef:1::/64',
            address: 'fd00:dead:beef:1::1',
          }),
        'invalid_params',
        /prefix fd00:dead:beef:1::\/64 is outside the network/,
      ],
      [
        'node prefix equal to the network',
        () =>
          c.call('network.configure', {
            networkPrefix: `${net}::/48`,
            nodePrefix: `${net}::/48`,
            address: `${net}::1`,
          }),
        'invalid_params',
        /outside the network/,
      ],
      [
        'address outside the node prefix',
        () =>
          c.call('network.configure', {
            networkPrefix: `${net}::/48`,
            nodePrefix: `${net}:1::/64`,
            address: `${net}:2::1`,
          }),
        'invalid_params',
        /address .* is outside the node prefix/,
      ],
      [
        'prefix with host bits',
        () =>
          c.call('network.configure', {
            networkPrefix: `${net}::/48`,
            nodePrefix: `${net}:1::5/64`,
            address: `${net}:1::1`,
          }),
        'invalid_params',
        /has bits set after \/64/,
      ],
      [
        'PEM-shaped CA that is not a certificate',
        () => c.call('credentials.install', { ca: GARBAGE_CERT, cert: node.cert, key: node.key }),
        'invalid_params',
        /CA certificate is not a valid X\.509 certificate/,
      ],
      [
        'PEM-shaped certificate that is not a certificate',
        () => c.call('credentials.install', { ca: ca.certPem, cert: GARBAGE_CERT, key: node.key }),
        'invalid_params',
        /node certificate is not a valid X\.509 certificate/,
      ],
      [
        'PEM-shaped key that is not a key',
        () => c.call('credentials.install', { ca: ca.certPem, cert: node.cert, key: GARBAGE_KEY }),
        'invalid_params',
        /key is not a valid private key/,
      ],
      [
        'a node certificate given as the CA',
        () => c.call('credentials.install', { ca: node.cert, cert: node.cert, key: node.key }),
        'invalid_params',
        /is not a CA/,
      ],
      [
        'a certificate not signed by the CA',
        () => c.call('credentials.install', { ca: ca.certPem, cert: stranger.cert, key: stranger.key }),
        'invalid_params',
        /not signed by this CA/,
      ],
      [
        'a key that does not match the certificate',
        () => c.call('credentials.install', { ca: ca.certPem, cert: node.cert, key: stranger.key }),
        'invalid_params',
        /key does not match/,
      ],
      [
        'a CRL before any credentials',
        () =>
          c.call('credentials.setCrl', { crl: '-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n' }),
        'precondition',
        /install credentials/,
      ],
      [
        'removing a device the helper did not create',
        () => c.call('device.remove', { name: foreignDev }),
        'not_allowed',
        /not created by this helper/,
      ],
      [
        'creating over a device the helper did not create',
        () => c.call('device.create', { name: foreignDev, mode: 'tap' }),
        'conflict',
        /not created by this helper/,
      ],
      [
        'a listener before credentials',
        () => c.call('openvpn.listen', { protocol: 'udp', port: 1194, maxClients: 2 }),
        'precondition',
        /credentials/,
      ],
      [
        'a client tunnel before credentials',
        () =>
          c.call('openvpn.connect', {
            device: 'vfbc-x',
            remote: '198.18.0.9',
            port: 1194,
            protocol: 'udp',
            peerName: 'node-y',
          }),
        'precondition',
        /credentials/,
      ],
      [
        'babel before the network',
        () => c.call('babel.configure', { helloInterval: 1, interfaces: [], redistribute: `${net}:1::/64` }),
        'precondition',
        /configure the network/,
      ],
      [
        'a drain while babeld is not running',
        () => c.call('babel.drain', { interface: 'vfbc-x' }),
        'precondition',
        /not running/,
      ],
    ];
    for (const [what, call, code, message] of cases) {
      const r = await refused(call());
      expect({ what, code: r.code }).toEqual({ what, code });
      expect(r.message, what).toMatch(message);
    }

    // a second helper on the same state directory refuses to start (it would kill our children)
    const second = await ns.exec(process.execPath, [
      BIN,
      'helper',
      '--socket',
      join(dir, 'v2.sock'),
      '--state-dir',
      helper.stateDir,
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/another helper \(pid \d+\) is running/);

    expect(await listTree(helper.stateDir)).toEqual(treeBefore);
    expect(await linkNames(ns)).toEqual(linksBefore);
    expect(await ns.pids()).toEqual(pidsBefore);
    const snap = await c.call('status', {});
    expect(snap).toMatchObject({ network: null, credentials: null, devices: [], openvpn: [], babel: null });
  });

  it('refuses CRLs and babel settings that do not fit what is installed', async () => {
    const c = helper.client;
    await c.call('credentials.install', { ca: ca.certPem, ...node });
    await c.call('network.configure', {
      networkPrefix: `${net}::/48`,
      nodePrefix: `${net}:1::/64`,
      address: `${net}:1::1`,
    });
    const treeBefore = await listTree(helper.stateDir);
    const pidsBefore = await ns.pids();
    const now = Date.now();
    const foreignCrl = await createCrl(otherCa, [], {
      thisUpdate: new Date(now - 60_000),
      nextUpdate: new Date(now + 86_400_000),
    });
    expect(await refused(c.call('credentials.setCrl', { crl: foreignCrl }))).toMatchObject({
      code: 'invalid_params',
      message: expect.stringMatching(/not signed by the installed CA/) as unknown,
    });
    const expiredCrl = await createCrl(ca, [], {
      thisUpdate: new Date(now - 7_200_000),
      nextUpdate: new Date(now - 3_600_000),
    });
    expect(await refused(c.call('credentials.setCrl', { crl: expiredCrl }))).toMatchObject({
      code: 'invalid_params',
    });
    expect(
      await refused(
        c.call('babel.configure', {
          helloInterval: 1,
          interfaces: [{ name: foreignDev, type: 'tunnel' }],
          redistribute: `${net}:1::/64`,
        }),
      ),
    ).toMatchObject({
      code: 'precondition',
      message: expect.stringMatching(/not a device this helper created/) as unknown,
    });
    expect(
      await refused(
        c.call('babel.configure', { helloInterval: 1, interfaces: [], redistribute: `${net}:2::/64` }),
      ),
    ).toMatchObject({
      code: 'invalid_params',
      message: expect.stringMatching(/must be the node prefix/) as unknown,
    });
    expect(await listTree(helper.stateDir)).toEqual(treeBefore);
    expect(await ns.pids()).toEqual(pidsBefore);

    // and a valid CRL is accepted
    const crl = await createCrl(ca, [{ serialNumber: '0badc0de', revokedAt: new Date(now - 1000) }], {
      thisUpdate: new Date(now - 60_000),
      nextUpdate: new Date(now + 86_400_000),
    });
    expect(await c.call('credentials.setCrl', { crl })).toMatchObject({ revoked: 1 });
    expect(await listTree(helper.stateDir)).toContain('/credentials/crl.pem');
    // a tap listener then starts with the CRL, and unlisten removes it all again
    const linksBefore = await linkNames(ns);
    expect(await c.call('openvpn.listen', { protocol: 'udp', port: 1194, maxClients: 2 })).toEqual({
      device: 'vfbs-udp',
    });
    expect(await c.call('openvpn.unlisten', { protocol: 'udp' })).toEqual({ stopped: true });
    expect(await linkNames(ns)).toEqual(linksBefore);
    expect(await ns.pids()).toEqual(pidsBefore);
    expect(await c.call('device.remove', { name: 'vfbs-udp' })).toEqual({ removed: false });
  });
  it('openvpn.listen with another max-clients restarts the listener on the same device', async () => {
    // app/core/node/listener.ts relies on this to apply the Settings view's max clients
    const c = helper.client;
    const listener = async () => (await c.call('status', {})).openvpn.find((o) => o.role === 'listener');
    await c.call('openvpn.listen', { protocol: 'udp', port: 1194, maxClients: 2 });
    const first = await listener();
    expect(first).toMatchObject({ device: 'vfbs-udp', maxClients: 2, up: true });
    expect(await c.call('openvpn.listen', { protocol: 'udp', port: 1194, maxClients: 2 })).toEqual({
      device: 'vfbs-udp',
    });
    expect((await listener())?.pid).toBe(first?.pid); // the same value keeps it
    expect(await c.call('openvpn.listen', { protocol: 'udp', port: 1194, maxClients: 3 })).toEqual({
      device: 'vfbs-udp',
    });
    const second = await listener();
    expect(second).toMatchObject({ device: 'vfbs-udp', maxClients: 3, up: true });
    expect(second?.pid).not.toBe(first?.pid);
    expect(await c.call('openvpn.unlisten', { protocol: 'udp' })).toEqual({ stopped: true });
  });

  it('SIGTERM undoes everything it set up and exits 0', async () => {
    const c = helper.client;
    await c.call('openvpn.listen', { protocol: 'udp', port: 1194, maxClients: 2 });
    await c.call('device.create', { name: 'vfbt-extra', mode: 'tun' });
    expect(await linkNames(ns)).toEqual(expect.arrayContaining(['vfbs-udp', 'vfbt-extra']));
    helper.child.kill('SIGTERM');
    expect(await helper.exited).toBe(0);
    expect(await ns.pids()).toEqual([]);
    expect(
      (await linkNames(ns)).filter((l) => l.startsWith('vfb') && l !== foreignDev && l !== `${foreignDev}p`),
    ).toEqual([]);
    expect(await linkNames(ns)).toContain(foreignDev); // never touched
    expect(await ns.ip('-6', 'addr', 'show', 'dev', 'lo')).not.toContain(`${net}:1::1`);
    expect(await ns.ip('-6', 'route', 'show')).not.toContain(net);
    expect(await listTree(helper.stateDir)).not.toContain('/state.json');
  });
});

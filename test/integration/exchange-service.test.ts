/**
 * Peer exchange and probes over loopback with real certificates: the exchange service answers
 * the two requests and refuses garbage; the records a peer hands out reach the peer DB only when
 * they are signed by a node of our CA for the prefix its certificate names, and not expired; the
 * probe responder echoes probes and a probe to a silent port gives no RTT.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askPeer, ExchangeError } from '../../app/core/exchange/client';
import { ExchangeServer } from '../../app/core/exchange/server';
import { createLogger } from '../../app/core/log';
import { peerName } from '../../app/core/node/addressing';
import { probeRtt, ProbeResponder } from '../../app/core/node/probe';
import { PeerDb } from '../../app/core/peers/peer-db';
import { verifyAddressRecords } from '../../app/core/peers/verify';
import { signEnvelope } from '../../app/registry/envelope';
import {
  createCa,
  createCsr,
  generateNodeKey,
  issueCertificate,
  type CaBundle,
} from '../../app/registry/pki';
import type { SignedEnvelopeT } from '../../app/registry/protocol';

const quiet = createLogger({ scope: 'test', level: 'error', sink: () => undefined });
const OURS = 'fd00:0:0:1::/64';

/** A record of `prefix` signed by a node certificate of `ca` (named `name`, valid as given). */
async function record(
  ca: CaBundle,
  prefix: string,
  options: { name?: string; notBefore?: Date; validDays?: number; timestamp?: number } = {},
): Promise<SignedEnvelopeT> {
  const key = await generateNodeKey();
  const cert = await issueCertificate(ca, await createCsr(key), {
    commonName: options.name ?? peerName(prefix),
    validDays: options.validDays ?? 1,
    notBefore: options.notBefore,
  });
  const payload = {
    type: 'announce',
    prefix,
    endpoints: [{ address: '198.18.0.7', port: 1194, protocol: 'udp' }],
    timestamp: options.timestamp ?? Date.now(),
  };
  return signEnvelope(key.privateKeyPem, cert, payload);
}

function rawExchange(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '::1', port });
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.write(line);
  });
}

describe('peer exchange over loopback with real records', () => {
  let ca: CaBundle;
  let server: ExchangeServer;
  let good: SignedEnvelopeT;
  let own: SignedEnvelopeT;
  const served: SignedEnvelopeT[] = [];

  beforeAll(async () => {
    ca = await createCa({ commonName: 'exchange test CA', validDays: 1 });
    const other = await createCa({ commonName: 'another network', validDays: 1 });
    good = await record(ca, 'fd00:0:0:2::/64');
    own = await record(ca, OURS);
    const foreign = await record(other, 'fd00:0:0:3::/64');
    const wrongPrefix = await record(ca, 'fd00:0:0:4::/64', { name: peerName('fd00:0:0:5::/64') });
    const tampered = { ...(await record(ca, 'fd00:0:0:6::/64')) };
    tampered.payload = tampered.payload.replace('198.18.0.7', '203.0.113.66');
    const expired = await record(ca, 'fd00:0:0:8::/64', {
      notBefore: new Date(Date.now() - 3 * 86_400_000),
      validDays: 1,
    });
    served.push(good, own, foreign, wrongPrefix, tampered, expired);
    server = await ExchangeServer.start(
      '::1',
      0,
      {
        prefix: 'fd00:0:0:2::/64',
        full: () => false,
        records: (count) => served.slice(0, count),
        tunnelPeers: () => [OURS, 'fd00:0:0:9::/64'],
      },
      quiet,
    );
  });

  afterAll(async () => {
    await server?.close();
  });

  it('answers both requests with validated answers', async () => {
    const records = await askPeer('::1', { op: 'records', count: 32 }, { port: server.port });
    expect(records).toMatchObject({ ok: true, prefix: 'fd00:0:0:2::/64', full: false });
    expect(records.records).toEqual(served);
    const two = await askPeer('::1', { op: 'records', count: 2 }, { port: server.port });
    expect(two.records).toHaveLength(2);
    const peers = await askPeer('::1', { op: 'tunnel-peers' }, { port: server.port });
    expect(peers.peers).toEqual([OURS, 'fd00:0:0:9::/64']);
  });

  it('refuses a malformed request with an error line, and a silent port fails the ask', async () => {
    const answer = JSON.parse(await rawExchange(server.port, '{"v":1,"op":"everything"}\n')) as unknown;
    expect(answer).toMatchObject({ v: 1, ok: false, error: expect.stringContaining('op') as unknown });
    const idle = await ExchangeServer.start(
      '::1',
      0,
      { prefix: OURS, full: () => true, records: () => [], tunnelPeers: () => [] },
      quiet,
    );
    const port = idle.port;
    await idle.close();
    await expect(askPeer('::1', { op: 'tunnel-peers' }, { port })).rejects.toBeInstanceOf(ExchangeError);
  });

  it('stores only records signed by our CA for the signer’s own prefix, unexpired, and never our own', async () => {
    const { records } = await askPeer('::1', { op: 'records', count: 32 }, { port: server.port });
    const now = Date.now();
    const verified = verifyAddressRecords(ca.certPem, records, OURS, now);
    expect(verified.rejected).toBe(4); // foreign CA, wrong prefix, tampered, expired
    expect(verified.records.map((r) => r.prefix)).toEqual(['fd00:0:0:2::/64']);
    expect(verified.records[0]).toMatchObject({
      recordJson: JSON.stringify(good),
      addresses: [{ host: '198.18.0.7', port: 1194, protocol: 'udp' }],
      full: false,
    });
    expect(verified.records[0]!.certExpiresAt).toBeGreaterThan(now);
    const db = await PeerDb.open(':memory:', { logger: quiet });
    try {
      expect(db.upsertMany(verified.records).outcomes).toEqual(['inserted']);
      expect(db.get('fd00:0:0:2::/64')!.certSerial).toBe(verified.records[0]!.certSerial);
      // the same record again is not newer
      expect(db.upsertMany(verifyAddressRecords(ca.certPem, [good], OURS, now).records).outcomes).toEqual([
        'stale',
      ]);
    } finally {
      db.close();
    }
  });
});

describe('probes over loopback', () => {
  let responder: ProbeResponder;

  beforeAll(async () => {
    responder = await ProbeResponder.start(0);
  });

  afterAll(async () => {
    await responder?.close();
  });

  it('measures an RTT over IPv6 and IPv4 to the responder', async () => {
    for (const host of ['::1', '127.0.0.1']) {
      const rtt = await probeRtt(host, responder.port);
      expect(rtt).not.toBeNull();
      expect(rtt!).toBeGreaterThan(0);
      expect(rtt!).toBeLessThan(1_000);
    }
  });

  it('gives no RTT when nothing answers, within the deadline', async () => {
    const silent = await ProbeResponder.start(0);
    const port = silent.port;
    await silent.close();
    const t0 = Date.now();
    expect(await probeRtt('::1', port, 300)).toBeNull();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(await probeRtt('not-an-address', port)).toBeNull();
  });
});

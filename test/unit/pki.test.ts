import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { createCa, createCsr, generateNodeKey, issueCertificate } from '../../app/registry/pki';

describe('pki', () => {
  test('a certificate issued from a request is signed by the CA and matches the node key', async () => {
    const ca = await createCa({ commonName: 'vifibnet test CA', validDays: 30 });
    const key = await generateNodeKey();
    const csr = await createCsr(key, 'ignored-by-ca');
    const certPem = await issueCertificate(ca, csr, { commonName: 'node-1', validDays: 10 });

    const caCert = new X509Certificate(ca.certPem);
    const cert = new X509Certificate(certPem);
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subject).toBe('CN=node-1');
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(key.privateKeyPem))).toBe(true);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(10);
  });

  test('a request whose signature does not match its key is refused', async () => {
    const ca = await createCa({ commonName: 'CA', validDays: 1 });
    const csr = await createCsr(await generateNodeKey(), 'x');
    const lines = csr.trim().split('\n');
    // flip one base64 character inside the signature (last body line)
    const i = lines.length - 2;
    const line = lines[i]!;
    lines[i] = line.slice(0, 5) + (line[5] === 'A' ? 'B' : 'A') + line.slice(6);
    await expect(
      issueCertificate(ca, lines.join('\n') + '\n', { commonName: 'x', validDays: 1 }),
    ).rejects.toThrow();
  });
});

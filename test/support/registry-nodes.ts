/**
 * Test support for the node side: keys and CSRs (blank, named, or with a key that does not
 * match the signature), and in-process enrolment through the real registry client.
 */
// pki first: it loads reflect-metadata, which @peculiar/x509 needs before it is imported.
import { createCsr, generateNodeKey, type NodeKey } from '../../app/registry/pki';
import * as x509 from '@peculiar/x509';
import type { NodeIdentity, RegistryClient } from '../../app/core/registry-client/client';
import type { CertificateResponseT } from '../../app/registry/protocol';

/** A fresh key and a blank CSR for it. */
export async function blankCsr(): Promise<{ key: NodeKey; csr: string }> {
  const key = await generateNodeKey();
  return { key, csr: await createCsr(key) };
}

/** A CSR that carries the public key of one key pair and the signature of another. */
export async function mismatchedCsr(): Promise<string> {
  const [a, b] = [await generateNodeKey(), await generateNodeKey()];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [],
    keys: { publicKey: a.keys.publicKey, privateKey: b.keys.privateKey },
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  return csr.toString('pem') + '\n';
}

/** An enrolled node, in memory. */
export interface TestNode {
  identity: NodeIdentity;
  issued: CertificateResponseT;
}

/** Enrols one node with `token` through the real client. */
export async function enrollNode(client: RegistryClient, token: string): Promise<TestNode> {
  const { key, csr } = await blankCsr();
  const issued = await client.enroll(token, csr);
  return { issued, identity: { certPem: issued.certificate, privateKeyPem: key.privateKeyPem } };
}

/** Resolves to the client error code a call fails with (fails the test if it succeeds). */
export async function errorCode(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return (err as { code?: string }).code ?? `no code: ${String(err)}`;
  }
  throw new Error('expected the call to be refused');
}

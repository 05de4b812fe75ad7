/**
 * Enrolment of this machine: pin the CA, make a key (written 0600 before anything is sent, so
 * a certificate that comes back always has its key on disk), send a blank CSR with the token,
 * check the certificate, store it, then fetch and verify the network config.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createLogger, type Logger } from '../log';
import { formatPrefix } from '../../registry/ipv6';
import type { NetworkConfigT } from '../../registry/network-config';
import { parseNodeName } from '../../registry/node-name';
import { createCsr, generateNodeKey, isIssuedBy } from '../../registry/pki';
import { RegistryClient } from './client';
import { RegistryClientError } from './errors';
import { refreshNetworkConfig } from './network-config';
import { isEnrolled, STATE_FILES, writeStateFile, type NodeRecordT } from './state-dir';

/** Options of {@link enrollNode}. */
export interface EnrollOptions {
  /** Registry base URL. */
  registry: string;
  /** The enrolment token. */
  token: string;
  /** SHA-256 fingerprint of the network CA (required over plain HTTP). */
  caFingerprint?: string;
  /** Where to keep key, certificate, CA and config. */
  stateDir: string;
  /** Logger; `registry-client` scope by default. */
  log?: Logger;
}

/** Result of an enrolment. */
export interface EnrollResult extends NodeRecordT {
  /** The verified network config. */
  config: NetworkConfigT;
}

/** Checks that the certificate is the CA's, for our key, and names the prefix the registry said. */
function checkCertificate(caPem: string, certPem: string, keyPem: string, prefix: string): string {
  const cert = new X509Certificate(certPem);
  const name = /^CN=([^\n]*)$/m.exec(cert.subject)?.[1] ?? '';
  const named = parseNodeName(name);
  if (
    !isIssuedBy(caPem, certPem) ||
    !cert.checkPrivateKey(createPrivateKey(keyPem)) ||
    !named ||
    formatPrefix(named) !== prefix
  ) {
    throw new RegistryClientError(
      'cert_mismatch',
      "the registry answered with a certificate that is not the pinned CA's, not for our key, or not for the prefix it announced",
    );
  }
  return name;
}

/** Enrols this machine into the network of the registry at `options.registry`. */
export async function enrollNode(options: EnrollOptions): Promise<EnrollResult> {
  const log = options.log ?? createLogger({ scope: 'registry-client' });
  if (isEnrolled(options.stateDir)) {
    throw new RegistryClientError(
      'already_enrolled',
      `${options.stateDir} already holds a node certificate; use another --state-dir`,
    );
  }
  const client = new RegistryClient(options.registry);
  const ca = await client.fetchCa(options.caFingerprint);
  const key = await generateNodeKey();
  writeStateFile(options.stateDir, STATE_FILES.key, key.privateKeyPem, 0o600);
  const issued = await log.step(
    'Enrolling with the registry',
    async () => client.enroll(options.token, await createCsr(key)),
    {
      registry: options.registry,
    },
  );
  const name = checkCertificate(ca, issued.certificate, key.privateKeyPem, issued.prefix);
  const record: NodeRecordT = {
    registry: options.registry,
    prefix: issued.prefix,
    name,
    serial: issued.serial,
    notAfter: issued.notAfter,
  };
  writeStateFile(options.stateDir, STATE_FILES.ca, ca);
  writeStateFile(options.stateDir, STATE_FILES.node, `${JSON.stringify(record, null, 2)}\n`);
  writeStateFile(options.stateDir, STATE_FILES.cert, issued.certificate);
  const config = await refreshNetworkConfig(client, options.stateDir, ca);
  log.info('Enrolled', { name, prefix: issued.prefix, configVersion: config.version });
  return { ...record, config };
}

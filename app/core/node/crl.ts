/**
 * The serial numbers a revocation list revokes, once its signature is checked against the CA,
 * so the peer DB can purge the peers it names (the helper checks and installs the same list for
 * OpenVPN).
 */
// pki first: it loads reflect-metadata and sets the crypto provider @peculiar/x509 needs
import { canonicalSerial } from '../../registry/pki';
import * as x509 from '@peculiar/x509';

/** The canonical serials `crlPem` revokes, or null when it is not a valid CRL signed by `caPem`. */
export async function revokedSerials(caPem: string, crlPem: string): Promise<string[] | null> {
  try {
    const crl = new x509.X509Crl(crlPem);
    const ca = new x509.X509Certificate(caPem);
    if (!(await crl.verify({ publicKey: ca.publicKey }))) return null;
    return crl.entries.map((e) => canonicalSerial(e.serialNumber));
  } catch {
    return null;
  }
}

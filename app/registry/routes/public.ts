/** Endpoints anyone may call: the CA certificate, the signed network config, the CRL. */
import { latestConfig } from '../config-store';
import { route } from '../http-server';
import { currentCrl } from '../revocation';
import { API_PREFIX } from '../protocol';

/** `GET /v1/ca`, `GET /v1/config`, `GET /v1/crl`. */
export const publicRoutes = [
  route({
    method: 'GET',
    path: `${API_PREFIX}/ca`,
    handle: (registry) => ({ ca: registry.ca.certPem, fingerprint: registry.caFingerprint }),
  }),
  route({
    method: 'GET',
    path: `${API_PREFIX}/config`,
    handle: (registry) => {
      const { config, signature } = latestConfig(registry.db);
      return { config, signature };
    },
  }),
  route({ method: 'GET', path: `${API_PREFIX}/crl`, handle: (registry) => currentCrl(registry) }),
];

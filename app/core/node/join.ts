/**
 * `join.inspect` and `join.enroll` over the registry client: the CA fingerprint and network
 * prefix of a registry for the user to confirm, and the enrolment itself (the same code as
 * `vifibnet node enroll`), with every registry failure turned into the API's error codes.
 */
import {
  ApiError,
  type ApiErrorCode,
  type NodeIdentityT,
  type RegistryInfoT,
  type EnrollParams,
  type InspectParams,
} from '../../ipc';
import type { z } from 'zod';
import { verifyConfig } from '../../registry/network-config';
import { certificateFingerprint } from '../../registry/pki';
import { RegistryClient } from '../registry-client/client';
import { enrollNode } from '../registry-client/enroll';
import { RegistryClientError } from '../registry-client/errors';
import type { Logger } from '../log';
import { nodeAddress } from './addressing';
import { REGISTRY_TIMEOUT_MS } from './engine';

const CODES: Partial<Record<string, ApiErrorCode>> = {
  unreachable: 'registry_unreachable',
  timeout: 'registry_unreachable',
  token_unknown: 'token_unknown',
  token_not_found: 'token_unknown',
  token_used: 'token_used',
  token_expired: 'token_expired',
  token_revoked: 'token_revoked',
  ca_fingerprint_mismatch: 'fingerprint_mismatch',
  already_enrolled: 'already_enrolled',
};

/** The API error for a failed registry call (a {@link RegistryClientError}, else rethrown as is). */
export function registryApiError(err: unknown): ApiError {
  if (!(err instanceof RegistryClientError)) throw err;
  return new ApiError(CODES[err.code] ?? 'registry_error', err.message);
}

/** The registry's CA fingerprint and network prefix; with `caFingerprint`, the CA must match it. */
export async function inspectRegistry(params: z.output<typeof InspectParams>): Promise<RegistryInfoT> {
  const client = new RegistryClient(params.registryUrl, REGISTRY_TIMEOUT_MS);
  try {
    const ca = await client.fetchCa(params.caFingerprint);
    const checked = verifyConfig(ca, await client.fetchConfig(), 0);
    if (!checked.ok) throw new RegistryClientError('config_bad_signature', checked.message);
    return {
      registryUrl: params.registryUrl,
      caFingerprint: certificateFingerprint(ca),
      networkPrefix: checked.config.networkPrefix,
    };
  } catch (err) {
    throw registryApiError(err);
  }
}

/** Enrols this machine into `stateDir` and answers its new identity. */
export async function enrollInto(
  stateDir: string,
  params: z.output<typeof EnrollParams>,
  log: Logger,
): Promise<NodeIdentityT> {
  try {
    const result = await enrollNode({
      registry: params.registryUrl,
      token: params.token,
      caFingerprint: params.caFingerprint,
      stateDir,
      log,
    });
    return { name: result.name, prefix: result.prefix, address: nodeAddress(result.prefix) };
  } catch (err) {
    throw registryApiError(err);
  }
}

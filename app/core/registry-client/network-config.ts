/**
 * Fetching the network config: the signature must be the CA's and the version must not be
 * older than the one stored; only then is it stored (as signed, so it can be checked again).
 */
import { NetworkConfig, verifyConfig, type NetworkConfigT } from '../../registry/network-config';
import type { RegistryClient } from './client';
import { RegistryClientError } from './errors';
import { readStoredConfig, STATE_FILES, writeStateFile } from './state-dir';

/** Fetches, verifies and stores the newest network config. */
export async function refreshNetworkConfig(
  client: RegistryClient,
  stateDir: string,
  caCertPem: string,
): Promise<NetworkConfigT> {
  const stored = readStoredConfig(stateDir);
  const seen = stored ? NetworkConfig.parse(JSON.parse(stored.config)).version : 0;
  const signed = await client.fetchConfig();
  const checked = verifyConfig(caCertPem, signed, seen);
  if (!checked.ok) throw new RegistryClientError(checked.code, checked.message);
  writeStateFile(stateDir, STATE_FILES.config, `${JSON.stringify(signed, null, 2)}\n`);
  return checked.config;
}

/**
 * The network config: the parameters every node of the network follows, with a version that
 * only goes up. The registry signs its JSON text with the CA key; nodes check the signature
 * against the CA they pinned and refuse a version older than one they have seen. Pure.
 */
import { z } from 'zod';
import { signData, verifyData } from './pki';
import { PrefixText, type SignedConfigT } from './protocol';
import { parseTextValue, type TextValue } from './text-value';

/** The tunable parameters (`vifibnet registry config set KEY VALUE`). */
export const NetworkParameters = z.strictObject({
  /** Babel hello interval in seconds (babeld accepts down to 0.05 s). */
  helloInterval: z.number().min(0.05).max(60),
  /** Whether links default to babel's wireless mode rather than wired. */
  wirelessDefault: z.boolean(),
  /** Outgoing tunnels each node keeps open. */
  clientCount: z.number().int().min(1).max(64),
  /** Incoming tunnels each node accepts. */
  maxClients: z.number().int().min(1).max(1024),
  /** Seconds between two re-evaluations of which tunnels to keep. */
  tunnelRefreshInterval: z.number().int().min(10).max(86_400),
});

/** The tunable parameters. */
export type NetworkParametersT = z.infer<typeof NetworkParameters>;

/** Name of one tunable parameter. */
export type NetworkParameterKey = keyof NetworkParametersT;

/** Defaults of a new network. */
export const DEFAULT_PARAMETERS: NetworkParametersT = {
  helloInterval: 1,
  wirelessDefault: false,
  clientCount: 10,
  maxClients: 25,
  tunnelRefreshInterval: 300,
};

/** The signed document: parameters plus the fixed facts of the network and a version. */
export const NetworkConfig = NetworkParameters.extend({
  /** Goes up by one with every change; nodes refuse to go back. */
  version: z.number().int().min(1),
  /** The network's prefix, e.g. a ULA /48. */
  networkPrefix: PrefixText,
  /** Length of every node's prefix. */
  nodePrefixLength: z.number().int().min(1).max(128),
  /** When this version was made, ISO 8601. */
  issuedAt: z.string().max(40),
});

/** The signed document. */
export type NetworkConfigT = z.infer<typeof NetworkConfig>;

/** Prepended to the config text before signing, so no other CA-signed data can pass for a config. */
const SIGNING_CONTEXT = 'vifibnet network config v1\n';

/** True when `key` names a tunable parameter. */
export function isParameterKey(key: string): key is NetworkParameterKey {
  return Object.hasOwn(NetworkParameters.shape, key);
}

/** Parses and validates the command-line text of one parameter. */
export function parseParameter(key: NetworkParameterKey, text: string): TextValue<number | boolean> {
  return parseTextValue<number | boolean>(key, NetworkParameters.shape[key], DEFAULT_PARAMETERS[key], text);
}

/** Serializes and signs `config` with the CA key. */
export function signConfig(caPrivateKeyPem: string, config: NetworkConfigT): SignedConfigT {
  const text = JSON.stringify(NetworkConfig.parse(config));
  return { config: text, signature: signData(caPrivateKeyPem, SIGNING_CONTEXT + text) };
}

/** Outcome of {@link verifyConfig}. */
export type ConfigVerification =
  | { ok: true; config: NetworkConfigT }
  | { ok: false; code: 'config_bad_signature' | 'config_invalid' | 'config_rollback'; message: string };

/**
 * Checks a signed config against the CA certificate and the newest version seen so far
 * (`minVersion`, 0 when none). A valid signature comes first: nothing of an unsigned document
 * is trusted.
 */
export function verifyConfig(
  caCertPem: string,
  signed: SignedConfigT,
  minVersion: number,
): ConfigVerification {
  if (!verifyData(caCertPem, SIGNING_CONTEXT + signed.config, signed.signature)) {
    return {
      ok: false,
      code: 'config_bad_signature',
      message:
        'the network config is not signed by the network CA: it was altered or comes from another registry',
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(signed.config);
  } catch {
    json = undefined;
  }
  const parsed = NetworkConfig.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      code: 'config_invalid',
      message: `the signed network config is malformed: ${parsed.error.message}`,
    };
  }
  if (parsed.data.version < minVersion) {
    return {
      ok: false,
      code: 'config_rollback',
      message: `the registry offered network config version ${parsed.data.version}, older than version ${minVersion} already seen; refusing to go back`,
    };
  }
  return { ok: true, config: parsed.data };
}

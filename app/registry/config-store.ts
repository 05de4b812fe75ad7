/**
 * The stored versions of the network config. Each change writes a new, higher version signed
 * by the CA; old versions stay for the record. Nodes only ever see the newest.
 */
import type { RegistryDb } from './db';
import { RegistryError } from './errors';
import {
  NetworkConfig,
  NetworkParameters,
  isParameterKey,
  parseParameter,
  signConfig,
  type NetworkConfigT,
  type NetworkParameterKey,
  type NetworkParametersT,
} from './network-config';
import type { SignedConfigT } from './protocol';
import type { Registry } from './registry';
import type { TextValue } from './text-value';
import {
  RegistrySettings,
  isSettingKey,
  parseSetting,
  writeSettings,
  type RegistrySettingKey,
} from './settings';

/** The newest signed config and its version. */
export function latestConfig(db: RegistryDb): SignedConfigT & { version: number } {
  const row = db
    .prepare('SELECT version, text, signature FROM config_versions ORDER BY version DESC LIMIT 1')
    .get() as { version: number; text: string; signature: string } | undefined;
  if (!row) throw new Error('the registry has no network config: was `registry init` interrupted?');
  return { version: row.version, config: row.text, signature: row.signature };
}

/**
 * Publishes the next version: the current config (or `base` for the first one) with
 * `changes` applied, signed with the CA key. Runs in one transaction, so concurrent writers
 * never produce the same version twice.
 */
export function publishConfig(
  db: RegistryDb,
  caPrivateKeyPem: string,
  changes: Partial<NetworkParametersT>,
  now: number,
  base?: Omit<NetworkConfigT, 'version' | 'issuedAt'>,
): NetworkConfigT {
  return db
    .transaction(() => {
      const previous = base ? undefined : NetworkConfig.parse(JSON.parse(latestConfig(db).config));
      const config = NetworkConfig.parse({
        ...(previous ?? base),
        ...changes,
        version: (previous?.version ?? 0) + 1,
        issuedAt: new Date(now).toISOString(),
      });
      const signed = signConfig(caPrivateKeyPem, config);
      db.prepare(
        'INSERT INTO config_versions (version, text, signature, created_at) VALUES (?, ?, ?, ?)',
      ).run(config.version, signed.config, signed.signature, now);
      return config;
    })
    .immediate();
}

/** One parsed `KEY VALUE`: a signed network parameter or a local registry setting. */
export type ConfigValue =
  | { kind: 'network'; key: NetworkParameterKey; value: number | boolean }
  | { kind: 'setting'; key: RegistrySettingKey; value: string | number };

/** Parses `KEY VALUE` for either kind; throws `invalid_request` naming the accepted keys or values. */
export function parseConfigValue(key: string, text: string): ConfigValue {
  const valid = <T>(result: TextValue<T>): T => {
    if (!result.ok) throw new RegistryError('invalid_request', result.message);
    return result.value;
  };
  if (isParameterKey(key)) return { kind: 'network', key, value: valid(parseParameter(key, text)) };
  if (isSettingKey(key)) return { kind: 'setting', key, value: valid(parseSetting(key, text)) };
  const known = [...Object.keys(NetworkParameters.shape), ...Object.keys(RegistrySettings.shape)];
  throw new RegistryError('invalid_request', `unknown key '${key}'; known keys: ${known.join(', ')}`);
}

/**
 * `config set KEY VALUE`: a network parameter publishes a new signed config version; a
 * registry setting (certDays, peerTimeout, smtpUrl, mailFrom, publicUrl) is stored as is.
 */
export function setConfigValue(
  registry: Registry,
  key: string,
  text: string,
): ConfigValue & { version?: number } {
  const change = parseConfigValue(key, text);
  if (change.kind === 'setting') {
    writeSettings(registry.db, { [change.key]: change.value });
    return change;
  }
  const config = publishConfig(
    registry.db,
    registry.ca.privateKeyPem,
    { [change.key]: change.value },
    registry.now(),
  );
  registry.log.info('Published network config', { version: config.version, [change.key]: change.value });
  return { ...change, version: config.version };
}

/**
 * Settings of the registry itself (not signed, not sent to nodes): certificate lifetime, peer
 * timeout, e-mail delivery. Stored in the `meta` table; read fresh on every use so that a
 * `vifibnet registry config set` applies to a running server.
 */
import { z } from 'zod';
import { getMeta, setMeta, type RegistryDb } from './db';
import { parseTextValue, type TextValue } from './text-value';

/** The registry settings and their bounds. */
export const RegistrySettings = z.strictObject({
  /** Lifetime of node certificates, in days. */
  certDays: z.number().int().min(1).max(3650),
  /** Seconds after its last announce before a peer is unreachable and no longer handed out. */
  peerTimeout: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400),
  /** SMTP server for token e-mail, e.g. `smtp://mail.example.org:587`; empty to disable. */
  smtpUrl: z.union([z.literal(''), z.url({ protocol: /^smtps?$/ })]),
  /** Sender address of token e-mail. */
  mailFrom: z.union([z.literal(''), z.email()]),
  /** URL nodes use to reach this registry, written into token e-mail. */
  publicUrl: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]),
});

/** The registry settings. */
export type RegistrySettingsT = z.infer<typeof RegistrySettings>;

/** Name of one registry setting. */
export type RegistrySettingKey = keyof RegistrySettingsT;

/** Defaults of a new registry. */
export const DEFAULT_SETTINGS: RegistrySettingsT = {
  certDays: 365,
  peerTimeout: 900,
  smtpUrl: '',
  mailFrom: '',
  publicUrl: '',
};

/** True when `key` names a registry setting. */
export function isSettingKey(key: string): key is RegistrySettingKey {
  return Object.hasOwn(RegistrySettings.shape, key);
}

/** Parses and validates the command-line text of one setting. */
export function parseSetting(key: RegistrySettingKey, text: string): TextValue<string | number> {
  return parseTextValue<string | number>(key, RegistrySettings.shape[key], DEFAULT_SETTINGS[key], text);
}

/** Reads the settings (defaults for keys never set). */
export function readSettings(db: RegistryDb): RegistrySettingsT {
  const stored = Object.fromEntries(
    Object.keys(DEFAULT_SETTINGS).flatMap((key) => {
      const value = getMeta(db, `setting.${key}`);
      return value === undefined ? [] : [[key, JSON.parse(value) as unknown]];
    }),
  );
  return RegistrySettings.parse({ ...DEFAULT_SETTINGS, ...stored });
}

/** Stores validated settings. */
export function writeSettings(db: RegistryDb, settings: Partial<RegistrySettingsT>): void {
  for (const [key, value] of Object.entries(RegistrySettings.partial().parse(settings))) {
    setMeta(db, `setting.${key}`, JSON.stringify(value));
  }
}

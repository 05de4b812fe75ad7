/**
 * The node's settings as the desktop app and the web UI edit them: the network's parameters
 * (from the registry's signed config) with this machine's own values over them, which live in
 * `settings.json` in the state directory. Only the values the user changed are stored, validated
 * by the API's schema when read and when written; the file is replaced atomically (written to a
 * temporary file, flushed, then renamed), so a crash never leaves half a file.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SettingsPatch, type SettingsPatchT, type SettingsT } from '../../ipc';
import type { NetworkParametersT } from '../../registry/network-config';

/** Name of the settings file in the state directory. */
export const SETTINGS_FILE = 'settings.json';

/** Writes `text` to `file` atomically: a temporary file, fsync, rename over. */
export function writeFileAtomic(file: string, text: string, mode = 0o644): void {
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
}

/**
 * The stored overrides in `dir`: empty when there is no file. Throws when the file is not JSON or
 * holds values the schema refuses (a hand edit gone wrong: say so rather than ignore it).
 */
export function readSettingsOverrides(dir: string): SettingsPatchT {
  let text: string;
  try {
    text = readFileSync(join(dir, SETTINGS_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  const parsed = SettingsPatch.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${join(dir, SETTINGS_FILE)}: ${parsed.error.message}`);
  return parsed.data;
}

/** Stores `overrides` (already validated) as the settings of `dir`. */
export function writeSettingsOverrides(dir: string, overrides: SettingsPatchT): void {
  writeFileAtomic(join(dir, SETTINGS_FILE), `${JSON.stringify(overrides, null, 2)}\n`);
}

/** The effective settings: the network's `parameters` and `registryUrl`, with `overrides` over them. */
export function effectiveSettings(
  parameters: NetworkParametersT,
  registryUrl: string | null,
  overrides: SettingsPatchT,
): SettingsT {
  return {
    helloIntervalS: parameters.helloInterval,
    linkMode: parameters.wirelessDefault ? 'wireless' : 'wired',
    clientCount: parameters.clientCount,
    maxClients: parameters.maxClients,
    tunnelRefreshS: parameters.tunnelRefreshInterval,
    registryUrl,
    ...overrides,
  };
}

/** The network parameters `overrides` set (what the engine applies over the registry's config). */
export function tuningOf(overrides: SettingsPatchT): Partial<NetworkParametersT> {
  const tuning: Partial<NetworkParametersT> = {};
  if (overrides.helloIntervalS !== undefined) tuning.helloInterval = overrides.helloIntervalS;
  if (overrides.linkMode !== undefined) tuning.wirelessDefault = overrides.linkMode === 'wireless';
  if (overrides.clientCount !== undefined) tuning.clientCount = overrides.clientCount;
  if (overrides.maxClients !== undefined) tuning.maxClients = overrides.maxClients;
  if (overrides.tunnelRefreshS !== undefined) tuning.tunnelRefreshInterval = overrides.tunnelRefreshS;
  return tuning;
}

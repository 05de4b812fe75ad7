/**
 * The settings domain: the node's applied settings (from the engine), the user's draft while
 * editing, the draft's validation against the schema's bounds, and the live estimate of what
 * the hello interval and link mode buy and cost.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import {
  estimateBabel,
  SETTING_FIELDS,
  type BabelEstimate,
  type LinkModeT,
  type SettingName,
  type SettingsPatchT,
  type SettingsT,
  type SnapshotT,
} from '../../app/ipc';
import { useApi } from '../composables/useApi';
import { commandRunner } from './command';

/** The settings as being edited: number fields hold whatever the input holds ('' when empty). */
export interface SettingsDraft {
  helloIntervalS: number | string;
  linkMode: LinkModeT;
  clientCount: number | string;
  maxClients: number | string;
  tunnelRefreshS: number | string;
  registryUrl: string;
}

const NAMES = Object.keys(SETTING_FIELDS) as SettingName[];

function draftOf(settings: SettingsT): SettingsDraft {
  return { ...settings, registryUrl: settings.registryUrl ?? '' };
}

/** The settings store. */
export const useSettingsStore = defineStore('settings', () => {
  const api = useApi();
  const applied = ref<SettingsT | null>(null);
  const draft = reactive<SettingsDraft>({
    helloIntervalS: '',
    linkMode: 'wired',
    clientCount: '',
    maxClients: '',
    tunnelRefreshS: '',
    registryUrl: '',
  });
  const command = commandRunner();

  /** Names of the fields whose draft differs from the applied value. */
  const changed = computed(() => {
    const current = applied.value ? draftOf(applied.value) : null;
    return NAMES.filter((name) => current === null || draft[name] !== current[name]);
  });

  /** Why each changed field cannot be applied, in the schema's words. Unchanged fields are valid. */
  const errors = computed(() => {
    const out: Partial<Record<SettingName, string>> = {};
    for (const name of changed.value) {
      const result = SETTING_FIELDS[name].safeParse(draft[name]);
      if (!result.success) out[name] = result.error.issues[0]?.message ?? 'Invalid value.';
    }
    return out;
  });

  /** Whether the draft can be applied: something changed and all of it is valid. */
  const canApply = computed(
    () => changed.value.length > 0 && Object.keys(errors.value).length === 0 && !command.pending.value,
  );

  /** Detection time and traffic for the draft's hello interval and mode; null while the interval is invalid. */
  const estimate = computed<BabelEstimate | null>(() => {
    const hello = SETTING_FIELDS.helloIntervalS.safeParse(draft.helloIntervalS);
    const tunnels = SETTING_FIELDS.clientCount.safeParse(draft.clientCount);
    if (!hello.success) return null;
    return estimateBabel({
      helloIntervalS: hello.data,
      linkMode: draft.linkMode,
      tunnels: tunnels.success ? tunnels.data : (applied.value?.clientCount ?? 0),
    });
  });

  /** Takes the applied settings from a snapshot; draft fields the user has not edited follow them. */
  function applySnapshot(snapshot: SnapshotT): void {
    const edited = new Set(applied.value ? changed.value : []);
    applied.value = snapshot.settings;
    const next = draftOf(snapshot.settings);
    for (const name of NAMES) if (!edited.has(name)) Object.assign(draft, { [name]: next[name] });
  }

  /** Sends the changed, valid fields; refuses (and keeps the messages shown) when any is invalid. */
  async function apply(): Promise<void> {
    if (!canApply.value) return;
    const patch = Object.fromEntries(changed.value.map((name) => [name, draft[name]])) as SettingsPatchT;
    await command.run(() => api.settings.set(patch));
  }

  /** Drops the draft's changes. */
  function discard(): void {
    if (applied.value) Object.assign(draft, draftOf(applied.value));
  }

  return {
    applied,
    draft,
    changed,
    errors,
    canApply,
    estimate,
    pending: command.pending,
    error: command.error,
    applySnapshot,
    apply,
    discard,
  };
});

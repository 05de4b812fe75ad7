/** The helper domain: whether the privileged helper is reachable, and retrying it. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { HelperStatusT, SnapshotT } from '../../app/ipc';
import { useApi } from '../composables/useApi';
import { commandRunner } from './command';

/** The helper store. */
export const useHelperStore = defineStore('helper', () => {
  const api = useApi();
  const status = ref<HelperStatusT>({ state: 'reachable', since: 0, lastError: null, nextRetryAt: null });
  const command = commandRunner();

  /** True while the engine cannot reach the helper (the Launch view is shown). */
  const unreachable = computed(() => status.value.state === 'unreachable');

  /** Takes this domain's part of a state snapshot. */
  function applySnapshot(snapshot: SnapshotT): void {
    status.value = snapshot.helper;
  }

  /** Asks the engine to try the helper now. */
  async function retry(): Promise<void> {
    await command.run(() => api.helper.retry());
  }

  return { status, unreachable, pending: command.pending, error: command.error, applySnapshot, retry };
});

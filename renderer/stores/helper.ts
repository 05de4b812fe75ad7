/** The helper domain: whether the privileged helper is reachable, retrying it, and starting it. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { HelperStatusT, SnapshotT } from '../../app/ipc';
import { useApi } from '../composables/useApi';
import { commandRunner } from './command';

/** The helper store. */
export const useHelperStore = defineStore('helper', () => {
  const api = useApi();
  const status = ref<HelperStatusT>({
    state: 'reachable',
    since: 0,
    lastError: null,
    nextRetryAt: null,
    canStart: false,
  });
  const command = commandRunner();
  const starting = commandRunner();

  /** True while the engine cannot reach the helper (the Launch view is shown). */
  const unreachable = computed(() => status.value.state === 'unreachable');

  /** True when the app offers to start the helper (the desktop app, once; never a web page). */
  const canStart = computed(() => status.value.canStart);

  /** Takes this domain's part of a state snapshot. */
  function applySnapshot(snapshot: SnapshotT): void {
    status.value = snapshot.helper;
  }

  /** Asks the engine to try the helper now. */
  async function retry(): Promise<void> {
    await command.run(() => api.helper.retry());
  }

  /** Asks the app to start the helper (it asks the user for a password). */
  async function start(): Promise<void> {
    await starting.run(() => api.helper.start());
  }

  return {
    status,
    unreachable,
    canStart,
    pending: command.pending,
    error: command.error,
    startPending: starting.pending,
    startError: starting.error,
    applySnapshot,
    retry,
    start,
  };
});

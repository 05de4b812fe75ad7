/** The connection domain: mesh state, this node's identity, tunnels and the registry's reachability. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ConnectionStateT, NodeIdentityT, RegistryStatusT, SnapshotT, TunnelT } from '../../app/ipc';
import { useApi } from '../composables/useApi';
import { commandRunner } from './command';

/** The connection store. */
export const useConnectionStore = defineStore('connection', () => {
  const api = useApi();
  const state = ref<ConnectionStateT>('disconnected');
  const since = ref(0);
  const node = ref<NodeIdentityT | null>(null);
  const tunnels = ref<TunnelT[]>([]);
  const registry = ref<RegistryStatusT>({ url: null, reachable: null, checkedAt: null });
  const command = commandRunner();

  /** True once the node has joined a network. */
  const enrolled = computed(() => node.value !== null);
  /**
   * Whether the mesh is up, on its way up or on its way down, so the action shown is Disconnect
   * (unavailable while disconnecting, see {@link canToggle}).
   */
  const active = computed(() => state.value !== 'disconnected' && state.value !== 'helper-unreachable');
  /** Whether Connect or Disconnect can be pressed now: not while the node stops, nor without the helper. */
  const canToggle = computed(
    () =>
      enrolled.value &&
      state.value !== 'helper-unreachable' &&
      state.value !== 'disconnecting' &&
      !command.pending.value,
  );

  /**
   * Takes this domain's part of a state snapshot (the only way its state changes). A failed
   * command's "the helper is not running" is dropped once the snapshot says it runs: the node may
   * have connected since (the Launch view's retry), and the message would be false.
   */
  function applySnapshot(snapshot: SnapshotT): void {
    if (command.error.value?.code === 'helper_unreachable' && snapshot.helper.state === 'reachable')
      command.error.value = null;
    state.value = snapshot.connection.state;
    since.value = snapshot.connection.since;
    node.value = snapshot.node;
    tunnels.value = snapshot.tunnels;
    registry.value = snapshot.registry;
  }

  /** Asks the engine to connect or disconnect; the new state arrives as an event. */
  async function toggle(): Promise<void> {
    await command.run(() => (active.value ? api.connection.disconnect() : api.connection.connect()));
  }

  return {
    state,
    since,
    node,
    tunnels,
    registry,
    enrolled,
    active,
    canToggle,
    pending: command.pending,
    error: command.error,
    applySnapshot,
    toggle,
  };
});

/** The peers domain: every other node as seen from here. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { PeerStateT, PeerT } from '../../app/ipc';

/** Display order of peer states: working links first. */
const STATE_ORDER: Record<PeerStateT, number> = {
  connected: 0,
  connecting: 1,
  reachable: 2,
  unreachable: 3,
  dead: 4,
};

/** The peers store. */
export const usePeersStore = defineStore('peers', () => {
  const peers = ref<PeerT[]>([]);

  /** Peers by state (working first), then by name. */
  const sorted = computed(() =>
    [...peers.value].sort(
      (a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.name.localeCompare(b.name),
    ),
  );

  /** Takes a new peer list (from the snapshot or a `peers.changed` event). */
  function replace(list: PeerT[]): void {
    peers.value = list;
  }

  return { peers, sorted, replace };
});

/**
 * The one place where API events reach the stores: every store is hydrated from one state
 * snapshot, then kept current by events only. Also knows whether the first snapshot has arrived,
 * and keeps asking for it until it does.
 */
import { defineStore, type Pinia } from 'pinia';
import { ref } from 'vue';
import type { Api, ApiErrorShapeT, SnapshotT } from '../../app/ipc';
import { toErrorShape } from './command';
import { useConnectionStore } from './connection';
import { useHelperStore } from './helper';
import { useLogsStore } from './logs';
import { usePeersStore } from './peers';
import { useRecoveryStore } from './recovery';
import { useSettingsStore } from './settings';

/** Delay between attempts to read the first snapshot, in ms. */
export const HYDRATE_RETRY_MS = 2000;

/** The session store: whether the UI has its first snapshot yet, and why not. */
export const useSessionStore = defineStore('session', () => {
  const hydrated = ref(false);
  const error = ref<ApiErrorShapeT | null>(null);
  return { hydrated, error };
});

/**
 * Subscribes every store to its events and hydrates them from `state.get`, retrying until the
 * engine answers. Returns the function that stops it all.
 */
export function syncStores(api: Api, pinia: Pinia): () => void {
  const session = useSessionStore(pinia);
  const connection = useConnectionStore(pinia);
  const helper = useHelperStore(pinia);
  const settings = useSettingsStore(pinia);
  const peers = usePeersStore(pinia);
  const recovery = useRecoveryStore(pinia);
  const logs = useLogsStore(pinia);

  const applySnapshot = (snapshot: SnapshotT) => {
    connection.applySnapshot(snapshot);
    helper.applySnapshot(snapshot);
    settings.applySnapshot(snapshot);
    peers.replace(snapshot.peers);
    session.hydrated = true;
    session.error = null;
  };

  const unsubscribers = [
    api.state.onChanged(applySnapshot),
    api.peers.onChanged(peers.replace),
    api.recovery.onRecorded((event) => void recovery.record(event)),
    api.logs.onLine(logs.append),
  ];

  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const hydrate = async () => {
    try {
      applySnapshot(await api.state.get());
    } catch (err) {
      session.error = toErrorShape(err);
      if (!stopped) timer = setTimeout(() => void hydrate(), HYDRATE_RETRY_MS);
    }
  };
  void hydrate();

  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}

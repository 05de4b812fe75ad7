/** A clock for durations that grow on screen (uptime, retry countdown). */
import { onScopeDispose, ref, type Ref } from 'vue';

/** The current time in ms, refreshed every `intervalMs` until the calling scope is disposed. */
export function useNow(intervalMs = 1000): Readonly<Ref<number>> {
  const now = ref(Date.now());
  const timer = setInterval(() => {
    now.value = Date.now();
  }, intervalMs);
  onScopeDispose(() => clearInterval(timer));
  return now;
}

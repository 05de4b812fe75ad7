/** Copying text to the clipboard, with a short-lived confirmation for screen readers and eyes. */
import { onScopeDispose, ref, type Ref } from 'vue';

/** What {@link useClipboard} returns. */
export interface Clipboard {
  /** Copies `text`; resolves false when the clipboard refused. */
  copy: (text: string) => Promise<boolean>;
  /** 'copied' or 'failed' for two seconds after a copy, else null. */
  outcome: Readonly<Ref<'copied' | 'failed' | null>>;
}

/** Clipboard access for one control. */
export function useClipboard(): Clipboard {
  const outcome = ref<'copied' | 'failed' | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  onScopeDispose(() => clearTimeout(timer));
  return {
    outcome,
    copy: async (text) => {
      let ok = true;
      try {
        await navigator.clipboard.writeText(text);
      } catch {
        ok = false;
      }
      outcome.value = ok ? 'copied' : 'failed';
      clearTimeout(timer);
      timer = setTimeout(() => (outcome.value = null), 2000);
      return ok;
    },
  };
}

/**
 * Running an API command from a store: tracks whether it is in flight and keeps its typed error
 * for the view to explain. Stores never change domain state from a command's answer; the
 * engine's events do that.
 */
import { ref, type Ref } from 'vue';
import { ApiError, type ApiErrorShapeT } from '../../app/ipc';

/** In-flight flag, last error and runner of one kind of command. */
export interface CommandRunner {
  pending: Ref<boolean>;
  error: Ref<ApiErrorShapeT | null>;
  /** Runs `command`; resolves with its result, or with undefined after recording its error. */
  run<T>(command: () => Promise<T>): Promise<T | undefined>;
}

/** The error of a failed command as plain data; anything but an ApiError is a bug reported as `internal`. */
export function toErrorShape(err: unknown): ApiErrorShapeT {
  if (err instanceof ApiError) return err.toShape();
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

/** Creates a runner; call it inside a store's setup. */
export function commandRunner(): CommandRunner {
  const pending = ref(false);
  const error = ref<ApiErrorShapeT | null>(null);
  return {
    pending,
    error,
    async run(command) {
      pending.value = true;
      error.value = null;
      try {
        return await command();
      } catch (err) {
        error.value = toErrorShape(err);
        return undefined;
      } finally {
        pending.value = false;
      }
    },
  };
}

/**
 * A small typed event emitter in the style of VS Code's: an owner creates an {@link Emitter},
 * exposes its {@link Emitter.event} publicly, fires it privately, and disposes it with itself.
 * Every subscription returns a {@link Disposable} so listeners never outlive their owner.
 */

/** Something that holds a resource and releases it once, in {@link Disposable.dispose}. */
export interface Disposable {
  /** Releases the resource; calling it again does nothing. */
  dispose(): void;
}

/** Subscribes a listener; the returned handle unsubscribes it. */
export type Event<T> = (listener: (value: T) => void) => Disposable;

/** Fires typed events to its listeners, in subscription order. */
export class Emitter<T> implements Disposable {
  private listeners: Set<(value: T) => void> | null = new Set();

  /**
   * Creates an emitter. `onListenerError` receives whatever a listener throws; by default the
   * error is rethrown on a microtask so a faulty listener surfaces loudly without stopping the
   * other listeners or the code that fired the event.
   */
  constructor(
    private readonly onListenerError: (error: unknown) => void = (error) =>
      queueMicrotask(() => {
        throw error;
      }),
  ) {}

  /** The public subscription function. */
  readonly event: Event<T> = (listener) => {
    const listeners = this.listeners;
    if (!listeners) return { dispose: () => undefined };
    const wrapped = (value: T): void => listener(value);
    listeners.add(wrapped);
    return { dispose: () => void listeners.delete(wrapped) };
  };

  /** Calls every current listener with `value`. */
  fire(value: T): void {
    if (!this.listeners) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  /** Drops every listener; later subscriptions and fires are no-ops. */
  dispose(): void {
    this.listeners?.clear();
    this.listeners = null;
  }
}

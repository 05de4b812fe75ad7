/**
 * Ownership of resources, after VS Code's `IDisposable`: a long-lived object releases everything
 * it holds (listeners, handlers, native objects) in one `dispose()`, so nothing leaks when the
 * shell stops or a part of it is rebuilt.
 */

/** Something that owns resources and releases them in one call. */
export interface Disposable {
  /** Releases every resource; calling it again does nothing. */
  dispose(): void;
}

/** Wraps a release function as a {@link Disposable} that runs it at most once. */
export function toDisposable(release: () => void): Disposable {
  let released = false;
  return {
    dispose() {
      if (released) return;
      released = true;
      release();
    },
  };
}

/**
 * Holds disposables and releases them in reverse order of addition (what was set up last is torn
 * down first). Every one is released even when an earlier one throws; the failures are rethrown
 * together afterwards.
 */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private disposed = false;

  /** Adds `item` and returns it; an item added after disposal is released at once. */
  add<T extends Disposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.push(item);
    return item;
  }

  /** Releases every item, newest first. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const errors: unknown[] = [];
    for (const item of this.items.splice(0).reverse()) {
      try {
        item.dispose();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'some resources failed to release');
  }
}

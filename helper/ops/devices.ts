/**
 * `device.create` / `device.remove`: persistent tun/tap devices named `vfb…`. The helper only
 * ever removes a device it created itself (recorded in the state store).
 */
import type { HelperContext } from '../context';
import { createTuntap, deleteLink, linkExists, tuntapMode } from '../net/ip';
import { HelperError } from '../protocol';

/** Tun/tap devices owned by this helper. */
export class DeviceRegistry {
  /** Tells which subsystem uses a device (an OpenVPN tunnel), or null. Set by the wiring. */
  usedBy: (name: string) => string | null = () => null;

  /** Creates the registry over the shared state store. */
  constructor(private readonly ctx: HelperContext) {}

  /** True when the helper created `name`. */
  owns(name: string): boolean {
    return this.ctx.store.devices.has(name);
  }

  /** Mode of an owned device, or undefined. */
  modeOf(name: string): 'tun' | 'tap' | undefined {
    return this.ctx.store.devices.get(name);
  }

  /** Owned devices, for the snapshot. */
  list(): Array<{ name: string; mode: 'tun' | 'tap' }> {
    return [...this.ctx.store.devices].map(([name, mode]) => ({ name, mode }));
  }

  /**
   * Creates `name` in `mode`, or keeps it when the helper already created it in that mode.
   * Refuses a name held by a device the helper did not create, or an owned one of the other mode.
   */
  async create(name: string, mode: 'tun' | 'tap'): Promise<{ name: string; created: boolean }> {
    const owned = this.modeOf(name);
    if (owned !== undefined) {
      if (owned !== mode) throw new HelperError('conflict', `device ${name} exists in ${owned} mode`);
      if ((await tuntapMode(name)) === mode) return { name, created: false };
      // recorded but gone (deleted behind our back): create it again
    } else if (await linkExists(name)) {
      throw new HelperError('conflict', `device ${name} exists and was not created by this helper`);
    }
    this.ctx.store.devices.set(name, mode);
    await this.ctx.store.save(); // recorded before it exists: a crash in between leaves no untracked device
    try {
      await this.ctx.logger.step(`Creating ${mode} device ${name}`, () => createTuntap(name, mode));
    } catch (err) {
      await deleteLink(name).catch(() => false);
      this.ctx.store.devices.delete(name);
      await this.ctx.store.save();
      throw err;
    }
    return { name, created: true };
  }

  /**
   * Removes an owned device (idempotent: an unknown name that does not exist answers
   * `removed: false`). Refuses devices the helper did not create and devices a tunnel uses.
   */
  async remove(name: string, options: { force?: boolean } = {}): Promise<{ removed: boolean }> {
    if (!this.owns(name)) {
      if (await linkExists(name)) {
        throw new HelperError(
          'not_allowed',
          `device ${name} was not created by this helper; it will not remove it`,
        );
      }
      return { removed: false };
    }
    const user = this.usedBy(name);
    if (user && !options.force)
      throw new HelperError('conflict', `device ${name} is in use by ${user}; stop that first`);
    const removed = await this.ctx.logger.step(`Removing device ${name}`, async () =>
      (await tuntapMode(name)) !== null ? deleteLink(name) : false,
    );
    this.ctx.store.devices.delete(name);
    await this.ctx.store.save();
    return { removed };
  }

  /** Removes every owned device (shutdown). */
  async removeAll(): Promise<void> {
    for (const name of [...this.ctx.store.devices.keys()]) {
      try {
        await this.remove(name, { force: true });
      } catch (err) {
        this.ctx.logger.warn(`could not remove device ${name}: ${(err as Error).message}`);
      }
    }
  }
}

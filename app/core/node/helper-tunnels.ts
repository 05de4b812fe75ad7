/**
 * The tunnel manager's helper operations over the real helper client, one at a time (a babeld
 * reconfiguration never races a tunnel being removed), and the one place the babeld
 * configuration is written from: the listener devices and the client devices at the network's
 * hello interval and link type, redistributing the node prefix.
 */
import type { LinkType } from '../../../helper/protocol';
import type { HelperClient } from '../helper-client/client';
import type { TunnelHelper, TunnelTarget } from './tunnel-ports';
import type { z } from 'zod';

/** How babeld runs on every tunnel device. */
export interface BabelSettings {
  /** Hello interval, s. */
  helloInterval: number;
  /** Link type of the tunnel devices. */
  linkType: z.infer<typeof LinkType>;
  /** The node prefix babeld redistributes. */
  redistribute: string;
  /** The listeners' tap devices (always in babeld's interface list). */
  listenerDevices: readonly string[];
}

/**
 * The babel link type of tunnels: `tunnel` (babeld's timestamps give each tunnel an RTT, and RTT
 * adds to the cost) unless the network defaults to wireless mode.
 */
export function tunnelLinkType(wirelessDefault: boolean): 'tunnel' | 'wireless' {
  return wirelessDefault ? 'wireless' : 'tunnel';
}

/** {@link TunnelHelper} over a {@link HelperClient}, serialized. */
export class HelperTunnels implements TunnelHelper {
  private queue: Promise<unknown> = Promise.resolve();

  /** Creates the port. */
  constructor(
    private readonly client: HelperClient,
    private babel: BabelSettings,
  ) {}

  private serial<T>(action: () => Promise<T>): Promise<T> {
    const run = this.queue.then(action, action);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Starts the tap client `device` to `target`. */
  async connect(device: string, target: TunnelTarget): Promise<void> {
    await this.serial(() =>
      this.client.call('openvpn.connect', {
        device,
        remote: target.host,
        port: target.port,
        protocol: target.protocol,
        peerName: target.peerName,
      }),
    );
  }

  /** Runs babeld (starting it if needed) on the listener devices and `devices`. */
  async setClientDevices(devices: readonly string[]): Promise<void> {
    const { helloInterval, linkType, redistribute, listenerDevices } = this.babel;
    const interfaces = [...listenerDevices, ...devices].map((name) => ({ name, type: linkType }));
    await this.serial(() => this.client.call('babel.configure', { helloInterval, interfaces, redistribute }));
  }

  /** Changes the hello interval and link type, and reconfigures babeld on the listeners and `devices`. */
  async setBabel(
    change: Pick<BabelSettings, 'helloInterval' | 'linkType'>,
    devices: readonly string[],
  ): Promise<void> {
    this.babel = { ...this.babel, ...change };
    await this.setClientDevices(devices);
  }

  /** Drains `device` in babel (final: close the tunnel afterwards); returns the metric added. */
  async drain(device: string): Promise<number> {
    const { metric } = await this.serial(() => this.client.call('babel.drain', { interface: device }));
    return metric;
  }

  /** Stops the tap client `device`; the helper removes it from babeld. */
  async disconnect(device: string): Promise<void> {
    await this.serial(() => this.client.call('openvpn.disconnect', { device }));
  }
}

/**
 * Wires the operation modules together and exposes them as the server's
 * {@link OperationHandlers}, plus the teardown that undoes everything the helper set up.
 */
import type { HelperContext } from '../context';
import type { OperationHandlers } from '../handlers';
import { PROTOCOL_VERSION, type HelperSnapshotT } from '../protocol';
import { Babel } from './babel';
import { Credentials } from './credentials';
import { DeviceRegistry } from './devices';
import { IcmpGuard } from './icmp-guard';
import { NetworkConfig } from './network';
import { OpenVpn } from './openvpn';

/** The helper's operations and lifecycle. */
export interface HelperRuntime {
  /** One handler per allowed operation. */
  handlers: OperationHandlers;
  /** The state snapshot. */
  snapshot(): HelperSnapshotT;
  /** Undoes everything: children, devices, address, route, ICMP guard, sockets. Never throws. */
  teardown(): Promise<void>;
  /** Kills children at once (process exit path, synchronous). */
  killNow(): void;
}

/**
 * Builds the runtime over `ctx`. `requestShutdown` is called (after the `shutdown` op has
 * answered) to make the daemon tear down and exit.
 */
export async function createHelperRuntime(
  ctx: HelperContext,
  requestShutdown: () => void,
): Promise<HelperRuntime> {
  const devices = new DeviceRegistry(ctx);
  const network = new NetworkConfig(ctx);
  const credentials = new Credentials(ctx);
  await credentials.load();
  const openvpn = new OpenVpn(ctx, devices, credentials);
  const babel = new Babel(ctx, devices, network);
  devices.usedBy = (name) => openvpn.usedBy(name) ?? (babel.uses(name) ? 'babeld' : null);
  babel.isListenerDevice = (name) => openvpn.isListenerDevice(name);
  openvpn.onDeviceGone = (device) => babel.forget(device);
  const guard = new IcmpGuard(ctx);
  await guard.clear(); // a crashed helper may have left its table

  const snapshot = (): HelperSnapshotT => {
    const net = network.current;
    return {
      protocol: PROTOCOL_VERSION,
      version: ctx.version,
      network: net
        ? { networkPrefix: net.networkPrefix, nodePrefix: net.nodePrefix, address: net.address }
        : null,
      credentials: credentials.current,
      devices: devices.list(),
      openvpn: openvpn.snapshot(),
      ...babel.snapshot(),
    };
  };

  const handlers: OperationHandlers = {
    hello: () => Promise.resolve({ protocol: PROTOCOL_VERSION, version: ctx.version, pid: process.pid }),
    status: () => Promise.resolve(snapshot()),
    'device.create': (p) => devices.create(p.name, p.mode),
    'device.remove': (p) => devices.remove(p.name),
    'network.configure': (p) => network.configure(p),
    'network.clear': () => network.clear(),
    'credentials.install': (p) => credentials.install(p),
    'credentials.setCrl': async (p) => {
      const { first, ...result } = await credentials.setCrl(p);
      // OpenVPN re-reads the CRL on every handshake, but only when it was started with crl-verify
      if (first) await ctx.logger.step('Restarting OpenVPN to enable the CRL', () => openvpn.restartAll());
      return result;
    },
    'openvpn.listen': async (p) => {
      const result = await openvpn.listen(p);
      if (p.protocol === 'udp') await guard.protect(p.port);
      return result;
    },
    'openvpn.unlisten': async (p) => {
      const result = await openvpn.unlisten(p);
      if (p.protocol === 'udp') await guard.clear();
      return result;
    },
    'openvpn.connect': (p) => openvpn.connect(p),
    'openvpn.disconnect': (p) => openvpn.disconnect(p),
    'babel.configure': (p) => babel.configure(p),
    'babel.stop': () => babel.stop(),
    'babel.drain': (p) => babel.drain(p),
    shutdown: () => {
      setImmediate(requestShutdown);
      return Promise.resolve({ stopping: true });
    },
  };

  const teardown = async (): Promise<void> => {
    await ctx.logger.step('Undoing everything the helper set up', async () => {
      const attempt = async (what: string, action: () => Promise<unknown>): Promise<void> => {
        try {
          await action();
        } catch (err) {
          ctx.logger.warn(`teardown: ${what} failed: ${(err as Error).message}`);
        }
      };
      await attempt('stopping babeld', () => babel.stop());
      await attempt('stopping OpenVPN', () => openvpn.stopAll());
      await attempt('removing the ICMP guard', () => guard.clear());
      await attempt('removing devices', () => devices.removeAll());
      await attempt('clearing the network', () => network.clear());
    });
  };

  return {
    handlers,
    snapshot,
    teardown,
    killNow: () => {
      babel.killNow();
      openvpn.killNow();
    },
  };
}

/**
 * `openvpn.listen` / `openvpn.unlisten` / `openvpn.connect` / `openvpn.disconnect`: supervised
 * OpenVPN 2.6 processes.
 *
 * ## Decision: one tap server per protocol for incoming tunnels, a tap client per outgoing one
 *
 * Incoming tunnels arrive on one advertised port per protocol (one port to forward behind a
 * NAT). Two designs were weighed:
 * - **tap server** (chosen): `mode server` + `tls-server` + `dev-type tap` + `max-clients N`,
 *   no `client-to-client`, on one port; every outgoing tunnel is a tap client (`client`) on its
 *   own device. OpenVPN learns each client's MAC, so babel's unicast IHUs to a client's
 *   link-local address reach it, and the server floods babel's link-local multicast hellos to
 *   every client (re6st runs this way). Clients do not hear each other, so babeld runs the
 *   server's device with `split-horizon false` (config/babeld.ts).
 * - tun server: cannot carry babel — in tun mode the server routes by IP and never learns the
 *   clients' link-local addresses, so babel's unicast IHUs go nowhere.
 * - one point-to-point tun tunnel per peer: simplest babel semantics, but one listening port
 *   per incoming tunnel, which defeats the single advertised port.
 *
 * Measured here (Debian OpenVPN 2.6.14 + babeld 1.12.1, veth underlay between namespaces,
 * UDP, EC P-256 certificates, hello 0.5 s), one listener with two tap clients:
 * - start of the three OpenVPN processes → both clients "Initialization Sequence Completed":
 *   2.4 s (the TLS handshake plus OpenVPN's 1 s tick, see TOOLCHAIN.md);
 * - start of babeld on the three nodes → first ping from one client to the other client's
 *   prefix *through the server* (two hops, split horizon off on the server): 0.65 s;
 *   both clients appear as babel neighbours on the server's single tap device
 *   (`reach ffff`, cost 96).
 *
 * Through the helper (test/integration/helper-mesh.test.ts, hello 0.25 s, two namespaces, one
 * listener and one client; it logs these figures on every run; range over 10 runs on the 2-core CI machine):
 * - first setup call → first overlay ping B→A: 0.7–1.8 s (A→B within another 15 ms);
 * - OpenVPN SIGKILLed → `child.restarted` 0.30 s (first backoff step 250 ms) → overlay ping
 *   again 0.66–1.1 s;
 * - babeld SIGKILLed → restarted, neighbour back and overlay ping again 0.76–1.9 s;
 * - `openvpn.disconnect` on the client → its route to the listener's prefix gone in 0.2–1.1 s
 *   (the interface is flushed from babeld); on the listener, whose tap device stays up, the
 *   route to the client's prefix goes after 4.5–5.1 s — babeld's neighbour timeout plus its
 *   hold time for a route with no alternative (≈ 3.5 × the neighbour's 1 s update interval).
 *   With an alternative path babel switches after ≈ 4 × hello (TOOLCHAIN.md); a graceful close
 *   drains first (babel.setCost) so this case does not cost an outage.
 *
 * Failure handling: a client's device is persistent (created by the helper, `persist-tun`), so
 * a dead OpenVPN drops the carrier and babeld (`link-detect true`) takes the link down at once;
 * the supervisor restarts OpenVPN with backoff and the same device comes back. OpenVPN's own
 * keepalive is described at KEEPALIVE in config/openvpn.ts.
 *
 * One UDP socket serves every client of a listener, and OpenVPN turns IP_RECVERR on for it, so an
 * ICMP port-unreachable from a client that went away fails the next write to *another* client;
 * the ICMP guard (icmp-guard.ts) keeps those errors away from the listener's port.
 *
 * Tunnel events: "Initialization Sequence Completed" → `tunnel.up`; a session restart
 * (`SIGUSR1[…]`), an inactivity timeout or the process exiting → `tunnel.down`.
 */
import { rm } from 'node:fs/promises';
import type { HelperContext } from '../context';
import { clientConfig, listenerConfig } from '../config/openvpn';
import { OPENVPN_PATH } from '../exec';
import { writeFileAtomic } from '../fsutil';
import { openvpnConfigPath } from '../paths';
import { HelperError, type OperationParams, type OperationResult } from '../protocol';
import { Supervisor } from '../supervisor';
import type { Credentials } from './credentials';
import type { DeviceRegistry } from './devices';

/** Snapshot entry of one OpenVPN process. */
export type OpenVpnInfoT = OperationResult<'status'>['openvpn'][number];

/** Device name of the listener of each protocol. */
export const LISTENER_DEVICE = { udp: 'vfbs-udp', tcp: 'vfbs-tcp' } as const;

/** How long `openvpn.listen` waits for the listener to report ready before failing. */
const LISTEN_READY_DEADLINE_MS = 10_000;

/** Log lines that mean the tunnel's session went down while the process lives on. */
const DOWN_PATTERNS = [/SIGUSR1\[/, /Inactivity timeout/, /Restart pause/, /SIGTERM\[/];

type ListenParams = OperationParams<'openvpn.listen'>;
type ConnectParams = OperationParams<'openvpn.connect'>;

interface Tunnel {
  role: 'listener' | 'client';
  device: string;
  params: ListenParams | ConnectParams;
  supervisor: Supervisor;
  up: boolean;
  lastLines: string[];
  readyWaiters: Array<(ok: boolean) => void>;
}

/** The OpenVPN module. */
export class OpenVpn {
  private readonly tunnels = new Map<string, Tunnel>();
  /** Called when a device goes away, so babeld stops using it. Set by the wiring. */
  onDeviceGone: (device: string) => Promise<void> = () => Promise.resolve();

  /** Creates the module. */
  constructor(
    private readonly ctx: HelperContext,
    private readonly devices: DeviceRegistry,
    private readonly credentials: Credentials,
  ) {}

  /** The role of the OpenVPN process using `device`, or null. */
  usedBy(device: string): string | null {
    const t = this.tunnels.get(device);
    return t ? `the OpenVPN ${t.role}` : null;
  }

  /** True when `device` is a listener's tap device. */
  isListenerDevice(device: string): boolean {
    return (Object.values(LISTENER_DEVICE) as string[]).includes(device);
  }

  /** Snapshot entries. */
  snapshot(): OpenVpnInfoT[] {
    return [...this.tunnels.values()].map((t) => {
      const base = {
        device: t.device,
        role: t.role,
        state: t.supervisor.state,
        up: t.up,
        pid: t.supervisor.pid,
        restarts: t.supervisor.restarts,
      };
      if (t.role === 'listener') {
        const p = t.params as ListenParams;
        return { ...base, protocol: p.protocol, port: p.port, maxClients: p.maxClients };
      }
      const p = t.params as ConnectParams;
      return { ...base, protocol: p.protocol, port: p.port, remote: p.remote, peerName: p.peerName };
    });
  }

  private requireCredentials(): void {
    if (!this.credentials.current)
      throw new HelperError('precondition', 'install credentials (credentials.install) first');
  }

  private configText(role: Tunnel['role'], device: string, params: ListenParams | ConnectParams): string {
    const tls = this.credentials.paths;
    if (role === 'listener') {
      const p = params as ListenParams;
      return listenerConfig({ device, protocol: p.protocol, port: p.port, maxClients: p.maxClients, tls });
    }
    const p = params as ConnectParams;
    return clientConfig({
      device,
      protocol: p.protocol,
      remote: p.remote,
      port: p.port,
      peerName: p.peerName,
      tls,
    });
  }

  private setUp(t: Tunnel, up: boolean): void {
    if (t.up === up) return;
    t.up = up;
    this.ctx.emit({ event: up ? 'tunnel.up' : 'tunnel.down', data: { device: t.device } });
  }

  private async startTunnel(
    role: Tunnel['role'],
    device: string,
    params: ListenParams | ConnectParams,
  ): Promise<Tunnel> {
    const { store, logger } = this.ctx;
    const config = openvpnConfigPath(this.ctx.paths, device);
    await writeFileAtomic(config, this.configText(role, device, params), 0o600);
    const key = `openvpn:${device}`;
    const t: Tunnel = {
      role,
      device,
      params,
      up: false,
      lastLines: [],
      readyWaiters: [],
      supervisor: undefined as never,
    };
    t.supervisor = new Supervisor({
      program: 'openvpn',
      name: device,
      path: OPENVPN_PATH,
      args: ['--config', config],
      logger: logger.child(`openvpn/${device}`),
      emit: (e) => this.ctx.emit(e),
      onLine: (line) => {
        t.lastLines.push(line);
        if (t.lastLines.length > 8) t.lastLines.shift();
        if (line.includes('Initialization Sequence Completed')) {
          this.setUp(t, true);
          for (const w of t.readyWaiters.splice(0)) w(true);
        } else if (DOWN_PATTERNS.some((re) => re.test(line))) {
          this.setUp(t, false);
        }
      },
      onSpawn: (pid) => {
        store.children.set(key, { program: 'openvpn', name: device, pid, path: OPENVPN_PATH, config });
        void store.save().catch(() => undefined);
      },
      onExit: () => {
        this.setUp(t, false);
        for (const w of t.readyWaiters.splice(0)) w(false);
        store.children.delete(key);
        void store.save().catch(() => undefined);
      },
    });
    this.tunnels.set(device, t);
    try {
      await t.supervisor.start();
    } catch (err) {
      this.tunnels.delete(device);
      throw new HelperError('exec_failed', `openvpn did not start: ${(err as Error).message}`);
    }
    return t;
  }

  private async stopTunnel(device: string, removeDevice: boolean): Promise<boolean> {
    const t = this.tunnels.get(device);
    if (!t) return false;
    await this.ctx.logger.step(`Stopping OpenVPN ${t.role} on ${device}`, async () => {
      await t.supervisor.stop();
      this.tunnels.delete(device);
      await rm(openvpnConfigPath(this.ctx.paths, device), { force: true });
      if (removeDevice) {
        await this.onDeviceGone(device);
        await this.devices.remove(device, { force: true });
      }
    });
    return true;
  }

  private sameParams(t: Tunnel | undefined, params: object): boolean {
    return t !== undefined && JSON.stringify(t.params) === JSON.stringify(params);
  }

  /** Starts (or keeps) the tap-server listener of one protocol; waits until it is ready. */
  async listen(params: ListenParams): Promise<OperationResult<'openvpn.listen'>> {
    this.requireCredentials();
    const device = LISTENER_DEVICE[params.protocol];
    const existing = this.tunnels.get(device);
    if (this.sameParams(existing, params)) return { device };
    if (existing) await this.stopTunnel(device, false);
    const created = (await this.devices.create(device, 'tap')).created;
    try {
      await this.ctx.logger.step(
        `Starting OpenVPN listener ${params.protocol}/${params.port}`,
        async () => {
          const t = await this.startTunnel('listener', device, params);
          const ready = await new Promise<boolean>((resolve) => {
            if (t.up) return resolve(true);
            const timer = setTimeout(() => resolve(false), LISTEN_READY_DEADLINE_MS);
            t.readyWaiters.push((ok) => {
              clearTimeout(timer);
              resolve(ok);
            });
          });
          if (!ready) {
            throw new HelperError(
              'exec_failed',
              `the OpenVPN listener did not start: ${t.lastLines.join(' | ') || 'no output'}`,
            );
          }
        },
        { device },
      );
    } catch (err) {
      await this.stopTunnel(device, false);
      if (created) await this.devices.remove(device, { force: true });
      throw err;
    }
    return { device };
  }

  /** Stops the listener of one protocol and removes its device (idempotent). */
  async unlisten(params: OperationParams<'openvpn.unlisten'>): Promise<OperationResult<'openvpn.unlisten'>> {
    return { stopped: await this.stopTunnel(LISTENER_DEVICE[params.protocol], true) };
  }

  /** Opens (or keeps) an outgoing tap client tunnel on `device`. */
  async connect(params: ConnectParams): Promise<OperationResult<'openvpn.connect'>> {
    this.requireCredentials();
    const { device } = params;
    if (this.isListenerDevice(device))
      throw new HelperError('conflict', `${device} is reserved for the listener`);
    const existing = this.tunnels.get(device);
    if (this.sameParams(existing, params)) return { device };
    if (existing) await this.stopTunnel(device, false);
    const mode = this.devices.modeOf(device);
    if (mode === 'tun')
      throw new HelperError('conflict', `device ${device} is a tun device; tunnels use tap devices`);
    const created = (await this.devices.create(device, 'tap')).created;
    try {
      await this.ctx.logger.step(
        `Starting OpenVPN client ${device}`,
        () => this.startTunnel('client', device, params),
        {
          remote: params.remote,
          port: params.port,
          peer: params.peerName,
        },
      );
    } catch (err) {
      if (created) await this.devices.remove(device, { force: true });
      throw err;
    }
    return { device };
  }

  /** Closes an outgoing tunnel and removes its device (idempotent). */
  async disconnect(
    params: OperationParams<'openvpn.disconnect'>,
  ): Promise<OperationResult<'openvpn.disconnect'>> {
    if (this.isListenerDevice(params.device)) {
      throw new HelperError('invalid_params', `${params.device} is a listener; use openvpn.unlisten`);
    }
    return { stopped: await this.stopTunnel(params.device, true) };
  }

  /** Restarts every OpenVPN process with a freshly written configuration (e.g. a first CRL). */
  async restartAll(): Promise<void> {
    for (const t of [...this.tunnels.values()]) {
      await this.stopTunnel(t.device, false);
      await this.startTunnel(t.role, t.device, t.params);
    }
  }

  /** Stops every OpenVPN process and removes their devices (shutdown). */
  async stopAll(): Promise<void> {
    for (const device of [...this.tunnels.keys()]) {
      try {
        await this.stopTunnel(device, true);
      } catch (err) {
        this.ctx.logger.warn(`could not stop OpenVPN on ${device}: ${(err as Error).message}`);
      }
    }
  }

  /** Last resort when the helper exits abruptly. */
  killNow(): void {
    for (const t of this.tunnels.values()) t.supervisor.killNow();
  }
}

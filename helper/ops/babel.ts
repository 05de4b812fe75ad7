/**
 * `babel.configure` / `babel.stop` / `babel.setCost`: one supervised babeld per helper.
 *
 * Run-time changes go through babeld's read-write local socket (root only):
 * - a new interface: its `interface …` line; a removed one: `flush interface X`; a changed one
 *   (type, hello interval): flush, then the new line. A different redistributed prefix restarts
 *   babeld (filters cannot be removed at run time).
 * - costs: babeld 1.12.1 ignores `interface X rxcost N` for a running interface (measured: it
 *   answers `ok` and logs "attempting to add existing interface, new configuration ignored").
 *   `flush interface X` followed by the full line with `rxcost N` does take effect: measured on a
 *   tap link with hello 0.5 s, the neighbour's dump shows `txcost N … cost N` for us within one
 *   hello, our own dump shows the neighbour again at once (`rxcost N`), and routes through the
 *   interface stayed installed. The raised cost is what the *neighbour* pays to send to us over
 *   this link, so draining a tunnel from one side steers the peer's traffic away from it.
 *
 * The caller reads babeld through the read-only proxy (babel/readonly-proxy.ts).
 */
import { rmSync } from 'node:fs';
import type { HelperContext } from '../context';
import {
  babeldArgs,
  babeldConfig,
  interfaceLine,
  type BabelInterfaceFields,
  type BabeldFields,
} from '../config/babeld';
import { BABELD_PATH } from '../exec';
import { writeFileAtomic } from '../fsutil';
import { babelCommand, waitForBabel } from '../babel/control';
import { startReadOnlyProxy, type ReadOnlyProxy } from '../babel/readonly-proxy';
import { parsePrefix, formatPrefix } from '../net/ipv6';
import { HelperError, type OperationParams, type OperationResult } from '../protocol';
import { Supervisor, type SupervisedState } from '../supervisor';
import type { DeviceRegistry } from './devices';
import type { NetworkConfig } from './network';

/** babeld's default rxcost per link type (reported when a raised cost is restored). */
export const DEFAULT_RXCOST: Record<'tunnel' | 'wired' | 'wireless', number> = {
  tunnel: 96,
  wired: 96,
  wireless: 256,
};

/** Deadline for babeld's control socket to appear after a start. */
const BABELD_START_DEADLINE_MS = 5_000;

type BabelConfigT = OperationParams<'babel.configure'>;

/** The babeld module. */
export class Babel {
  private supervisor: Supervisor | null = null;
  private proxy: ReadOnlyProxy | null = null;
  private config: BabelConfigT | null = null;
  private readonly costs = new Map<string, number>();

  /** Tells whether a device is an OpenVPN listener (tap server): split horizon is off there. */
  isListenerDevice: (name: string) => boolean = () => false;

  /** Creates the module. */
  constructor(
    private readonly ctx: HelperContext,
    private readonly devices: DeviceRegistry,
    private readonly network: NetworkConfig,
  ) {}

  /** True while babeld is supervised (running or restarting). */
  get running(): boolean {
    return this.supervisor !== null;
  }

  /** True when babeld runs on `device`. */
  uses(device: string): boolean {
    return this.config?.interfaces.some((i) => i.name === device) ?? false;
  }

  /** The snapshot's `babel` and `babelSocket` fields. */
  snapshot(): {
    babel: {
      state: SupervisedState;
      pid: number | null;
      restarts: number;
      config: BabelConfigT;
      costs: Record<string, number>;
    } | null;
    babelSocket: string | null;
  } {
    if (!this.supervisor || !this.config) return { babel: null, babelSocket: null };
    return {
      babel: {
        state: this.supervisor.state,
        pid: this.supervisor.pid,
        restarts: this.supervisor.restarts,
        config: this.config,
        costs: Object.fromEntries(this.costs),
      },
      babelSocket: this.proxy?.path ?? null,
    };
  }

  private fields(config: BabelConfigT): BabeldFields {
    const p = parsePrefix(config.redistribute)!;
    return {
      helloInterval: config.helloInterval,
      interfaces: config.interfaces.map((i) => this.interfaceFields(i)),
      redistribute: { prefix: formatPrefix(p), length: p.length },
    };
  }

  private interfaceFields(i: BabelConfigT['interfaces'][number]): BabelInterfaceFields {
    return {
      name: i.name,
      type: i.type,
      splitHorizon: !this.isListenerDevice(i.name),
      rxcost: this.costs.get(i.name) ?? null,
    };
  }

  private check(config: BabelConfigT): void {
    const net = this.network.current;
    if (!net) throw new HelperError('precondition', 'configure the network (network.configure) before babel');
    const p = parsePrefix(config.redistribute);
    if (!p || formatPrefix(p) !== net.nodePrefix || p.length !== net.nodeLength) {
      throw new HelperError(
        'invalid_params',
        `redistribute must be the node prefix ${net.nodePrefix}, not ${config.redistribute}`,
      );
    }
    const names = new Set<string>();
    for (const i of config.interfaces) {
      if (names.has(i.name)) throw new HelperError('invalid_params', `interface ${i.name} is listed twice`);
      names.add(i.name);
      if (!this.devices.owns(i.name)) {
        throw new HelperError('precondition', `interface ${i.name} is not a device this helper created`);
      }
    }
  }

  private async writeConfig(): Promise<void> {
    await writeFileAtomic(this.ctx.paths.babeldConfig, babeldConfig(this.fields(this.config!)), 0o600);
  }

  /** Starts babeld with `config`, or brings the running one to it. */
  async configure(config: BabelConfigT): Promise<OperationResult<'babel.configure'>> {
    this.check(config);
    if (!this.supervisor) {
      if (config.interfaces.length === 0)
        throw new HelperError('invalid_params', 'babeld needs at least one interface');
      this.config = config;
      for (const k of [...this.costs.keys()]) this.costs.delete(k);
      await this.start();
      return { restarted: true };
    }
    const old = this.config!;
    if (formatPrefix(parsePrefix(old.redistribute)!) !== formatPrefix(parsePrefix(config.redistribute)!)) {
      if (config.interfaces.length === 0)
        throw new HelperError('invalid_params', 'babeld needs at least one interface');
      await this.stop();
      this.config = config;
      await this.start();
      return { restarted: true };
    }
    const before = new Map(old.interfaces.map((i) => [i.name, i]));
    const lines: string[] = [];
    for (const i of old.interfaces) {
      if (!config.interfaces.some((n) => n.name === i.name)) {
        lines.push(`flush interface ${i.name}`);
        this.costs.delete(i.name);
      }
    }
    for (const i of config.interfaces) {
      const prev = before.get(i.name);
      if (prev && prev.type === i.type && old.helloInterval === config.helloInterval) continue;
      if (prev) lines.push(`flush interface ${i.name}`);
      lines.push(interfaceLine(this.interfaceFields(i), config.helloInterval));
    }
    this.config = config;
    await this.writeConfig();
    if (lines.length) {
      await this.ctx.logger.step(
        'Reconfiguring babeld at run time',
        () => babelCommand(this.ctx.paths.babelControlSocket, lines),
        {
          changes: lines.length,
        },
      );
    }
    return { restarted: false };
  }

  private async start(): Promise<void> {
    const { paths, logger, store } = this.ctx;
    await this.writeConfig();
    const args = babeldArgs({
      config: paths.babeldConfig,
      pidFile: paths.babeldPid,
      stateFile: paths.babeldState,
      controlSocket: paths.babelControlSocket,
    });
    const key = 'babeld:babeld';
    const sup = new Supervisor({
      program: 'babeld',
      name: 'babeld',
      path: BABELD_PATH,
      args,
      logger: logger.child('babeld'),
      emit: (e) => this.ctx.emit(e),
      // babeld refuses to start while its pid file exists, and a killed babeld leaves it behind
      beforeSpawn: () => {
        rmSync(paths.babeldPid, { force: true });
        rmSync(paths.babelControlSocket, { force: true });
      },
      onSpawn: (pid) => {
        store.children.set(key, {
          program: 'babeld',
          name: 'babeld',
          pid,
          path: BABELD_PATH,
          config: paths.babeldConfig,
        });
        void store.save().catch(() => undefined);
      },
      onExit: () => {
        store.children.delete(key);
        void store.save().catch(() => undefined);
      },
    });
    this.supervisor = sup;
    try {
      await logger.step('Starting babeld', async () => {
        await sup.start();
        await waitForBabel(paths.babelControlSocket, BABELD_START_DEADLINE_MS, () => sup.state === 'running');
        store.sockets.add(paths.babelReadOnlySocket);
        await store.save();
        this.proxy = await startReadOnlyProxy(
          paths.babelReadOnlySocket,
          paths.babelControlSocket,
          this.ctx.callerAccess,
          this.ctx.access,
          logger,
        );
      });
    } catch (err) {
      await this.stop();
      throw err instanceof HelperError
        ? err
        : new HelperError('exec_failed', `babeld did not start: ${(err as Error).message}`);
    }
  }

  /** Stops babeld (it removes its routes on SIGTERM) and the read-only socket (idempotent). */
  async stop(): Promise<OperationResult<'babel.stop'>> {
    const sup = this.supervisor;
    if (!sup) return { stopped: false };
    this.supervisor = null;
    await this.ctx.logger.step('Stopping babeld', async () => {
      await this.proxy?.close();
      this.proxy = null;
      await sup.stop();
    });
    this.ctx.store.sockets.delete(this.ctx.paths.babelReadOnlySocket);
    await this.ctx.store.save();
    this.config = null;
    this.costs.clear();
    return { stopped: true };
  }

  /** Raises an interface's rxcost, or restores babeld's default with null. */
  async setCost(params: OperationParams<'babel.setCost'>): Promise<OperationResult<'babel.setCost'>> {
    if (!this.supervisor || !this.config) throw new HelperError('precondition', 'babeld is not running');
    const iface = this.config.interfaces.find((i) => i.name === params.interface);
    if (!iface) throw new HelperError('not_found', `babeld does not run on ${params.interface}`);
    if (params.rxcost === null) this.costs.delete(iface.name);
    else this.costs.set(iface.name, params.rxcost);
    await this.writeConfig();
    const line = interfaceLine(this.interfaceFields(iface), this.config.helloInterval);
    await this.ctx.logger.step(
      params.rxcost === null
        ? `Restoring babel cost of ${iface.name}`
        : `Raising babel cost of ${iface.name}`,
      () => babelCommand(this.ctx.paths.babelControlSocket, [`flush interface ${iface.name}`, line]),
      { rxcost: params.rxcost ?? DEFAULT_RXCOST[iface.type] },
    );
    return { rxcost: params.rxcost ?? DEFAULT_RXCOST[iface.type] };
  }

  /** Drops `device` from babeld's interfaces (the device is going away). */
  async forget(device: string): Promise<void> {
    if (!this.config || !this.uses(device)) return;
    const rest = this.config.interfaces.filter((i) => i.name !== device);
    try {
      await this.configure({ ...this.config, interfaces: rest });
    } catch (err) {
      this.ctx.logger.warn(`could not remove ${device} from babeld: ${(err as Error).message}`);
    }
  }

  /** Last resort when the helper exits abruptly. */
  killNow(): void {
    this.supervisor?.killNow();
  }
}

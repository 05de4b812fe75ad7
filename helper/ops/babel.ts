/**
 * `babel.configure` / `babel.stop` / `babel.drain`: one supervised babeld per helper.
 *
 * Run-time changes go through babeld's read-write local socket (root only):
 * - a new interface: its `interface …` line; a removed one: `flush interface X` (its tunnel is
 *   gone already, so it has no neighbour left). A changed one (type, hello interval) restarts
 *   babeld with the new file: babeld 1.12 applies an interface's settings only when the
 *   interface comes up; `flush interface` + a new line would, but leaves the interface's
 *   neighbour entries behind, dangling, and a neighbour lost afterwards then kept its routes
 *   (seen in test/integration/helper-mesh.test.ts); a down/up of the device re-reads the
 *   settings only of interfaces added at run time, not those of the file. A restart costs this
 *   node's routes ≈ 1–2 s. A different redistributed prefix restarts babeld too (filters cannot
 *   be removed at run time).
 * - drains: babeld 1.12.1 ignores `interface X rxcost N` for a running interface, and the
 *   former workaround (`flush interface X`, then the line with a new rxcost) dropped the
 *   neighbour and its routes: ≈ 750 ms without a route on that pair even with another path.
 *   babeld refuses new filters at run time too (`in …` answers `bad`), so the configuration
 *   carries fixed drain filter slots (config/babeld.ts) and a drain gives the device the kernel
 *   alternative name of a free slot, then makes babeld resolve its filter names again: babeld
 *   renumbers its filters when the ifindex of one of its interfaces changes, which a newly added
 *   interface does once babeld checks it (≈ 200 ms after the `interface` line), so the helper
 *   creates its own idle tap {@link RENUMBER_DEVICE}, declares it, waits, flushes and removes
 *   it. Nothing else is flushed: the neighbour and its routes stay, and within one update
 *   interval both ends pay the drain metric over the tunnel (helper-mesh.test.ts).
 * - a drain is final (there is no undrain: the tunnel is closed afterwards); the slot is free
 *   again once the device is removed, and its stale filter matches nothing (ifindexes are not
 *   reused). The filters are in the file, so a restarted babeld applies them at once.
 *
 * The caller reads babeld through the read-only proxy (babel/readonly-proxy.ts).
 */
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HelperContext } from '../context';
import {
  babeldArgs,
  babeldConfig,
  DRAIN_METRIC,
  DRAIN_SLOTS,
  drainSlotName,
  interfaceLine,
  type BabelInterfaceFields,
  type BabeldFields,
} from '../config/babeld';
import { BABELD_PATH } from '../exec';
import { writeFileAtomic } from '../fsutil';
import { babelCommand, waitForBabel } from '../babel/control';
import { startReadOnlyProxy, type ReadOnlyProxy } from '../babel/readonly-proxy';
import { addAltname, flushBabelRoutes } from '../net/ip';
import { parsePrefix, formatPrefix } from '../net/ipv6';
import { HelperError, type OperationParams, type OperationResult } from '../protocol';
import { Supervisor, type SupervisedState } from '../supervisor';
import type { DeviceRegistry } from './devices';
import type { NetworkConfig } from './network';

/** The helper's idle tap babeld is briefly run on so that it renumbers its filters. */
export const RENUMBER_DEVICE = 'vfbrenumber';

/** Wait between declaring {@link RENUMBER_DEVICE} and flushing it (babeld checks after 200 ms). */
const RENUMBER_WAIT_MS = 600;

/** Deadline for babeld's control socket to appear after a start. */
const BABELD_START_DEADLINE_MS = 5_000;

type BabelConfigT = OperationParams<'babel.configure'>;

/** The babeld module. */
export class Babel {
  private supervisor: Supervisor | null = null;
  private proxy: ReadOnlyProxy | null = null;
  private config: BabelConfigT | null = null;
  /** Drained devices and their drain filter slots. */
  private readonly drained = new Map<string, number>();

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
      drained: string[];
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
        drained: [...this.drained.keys()].sort(),
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
      await this.start();
      return { restarted: true };
    }
    const old = this.config!;
    const before = new Map(old.interfaces.map((i) => [i.name, i]));
    const retuned =
      config.helloInterval !== old.helloInterval ||
      config.interfaces.some((i) => before.has(i.name) && before.get(i.name)!.type !== i.type);
    const moved =
      formatPrefix(parsePrefix(old.redistribute)!) !== formatPrefix(parsePrefix(config.redistribute)!);
    if (retuned || moved) {
      if (config.interfaces.length === 0)
        throw new HelperError('invalid_params', 'babeld needs at least one interface');
      await this.stop();
      this.config = config;
      await this.start();
      return { restarted: true };
    }
    const lines: string[] = [];
    for (const i of old.interfaces) {
      if (!config.interfaces.some((n) => n.name === i.name)) {
        lines.push(`flush interface ${i.name}`);
      }
    }
    for (const i of config.interfaces) {
      if (!before.has(i.name)) lines.push(interfaceLine(this.interfaceFields(i), config.helloInterval));
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
      // babeld refuses to start while its pid file exists, and a killed babeld leaves it behind,
      // with its kernel routes, which its successor would never remove (net/ip.ts)
      beforeSpawn: async () => {
        rmSync(paths.babeldPid, { force: true });
        rmSync(paths.babelControlSocket, { force: true });
        await flushBabelRoutes();
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
    return { stopped: true };
  }

  /** Drains an interface (see the module description); idempotent. */
  async drain(params: OperationParams<'babel.drain'>): Promise<OperationResult<'babel.drain'>> {
    if (!this.supervisor || !this.config) throw new HelperError('precondition', 'babeld is not running');
    const name = params.interface;
    if (!this.uses(name)) throw new HelperError('not_found', `babeld does not run on ${name}`);
    if (this.drained.has(name)) return { metric: DRAIN_METRIC };
    const used = new Set(this.drained.values());
    const slot = Array.from({ length: DRAIN_SLOTS }, (_, k) => k).find((k) => !used.has(k));
    if (slot === undefined) throw new HelperError('conflict', `${DRAIN_SLOTS} tunnels are draining already`);
    await this.ctx.logger.step(
      `Draining babel interface ${name}`,
      async () => {
        await addAltname(name, drainSlotName(slot));
        this.drained.set(name, slot);
        await this.renumberFilters();
      },
      { slot, metric: DRAIN_METRIC },
    );
    return { metric: DRAIN_METRIC };
  }

  /** Makes babeld resolve its filters' device names again (see the module description). */
  private async renumberFilters(): Promise<void> {
    const socket = this.ctx.paths.babelControlSocket;
    await this.devices.create(RENUMBER_DEVICE, 'tap');
    try {
      const line = interfaceLine(
        { name: RENUMBER_DEVICE, type: 'wired', splitHorizon: true },
        this.config!.helloInterval,
      );
      await babelCommand(socket, [line]);
      await sleep(RENUMBER_WAIT_MS);
      await babelCommand(socket, [`flush interface ${RENUMBER_DEVICE}`]);
    } finally {
      await this.devices.remove(RENUMBER_DEVICE, { force: true });
    }
  }

  /** Drops `device` from babeld's interfaces (the device is going away). */
  async forget(device: string): Promise<void> {
    this.drained.delete(device);
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

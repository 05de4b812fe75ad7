/**
 * The prober: UDP echo probes every 50 ms between two nodes of the mesh, counting losses and
 * the longest gap between answers, and reporting each outage as soon as answers resume. The
 * demo's chaos mode, the end-to-end tests and the mesh benchmark all measure recovery with it.
 *
 * Each node namespace runs one {@link ProbeAgent} (the `vifibnet demo probe-agent` process, see
 * probe-agent.ts); {@link ProbeAgent.probe} starts a probe from that node to another node's agent.
 */
import { randomBytes } from 'node:crypto';
import type { Netns } from './netns';
import { AgentEvent, parseJson, type AgentEventT, type ProbeOutageT, type ProbeReportT } from './probe-agent';
import { startVifibnet, type ManagedProcess, type ProcessSet } from './processes';

/** UDP port of every agent's echo. */
export const PROBE_PORT = 7_777;

/** Default time between two probes. */
export const PROBE_INTERVAL_MS = 50;

/** How long an agent may take to start. */
const AGENT_START_TIMEOUT_MS = 30_000;

/** A probe from one agent to another node. */
export class Probe {
  private readonly listeners = new Set<(outage: ProbeOutageT) => void>();
  private answered = false;
  private upWaiters: (() => void)[] = [];
  private reported: ((report: ProbeReportT) => void) | undefined;

  /** @internal Created by {@link ProbeAgent.probe}. */
  constructor(
    /** Probe id (unique per agent). */
    readonly id: string,
    /** The address probed. */
    readonly target: string,
    private readonly send: (command: object) => void,
    private readonly agent: ManagedProcess,
  ) {}

  /** Calls `listener` with every outage once answers resume after it. */
  onOutage(listener: (outage: ProbeOutageT) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves at the first answer; rejects after `timeoutMs` without one. */
  waitUp(timeoutMs: number): Promise<void> {
    if (this.answered) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer from ${this.target} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.upWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Resolves with the next outage reported (answers resumed); with `covering`, the next one that
   * spans that moment (ms since the epoch), so an unrelated earlier loss is skipped. Rejects
   * after `timeoutMs`.
   */
  nextOutage(timeoutMs: number, covering?: number): Promise<ProbeOutageT> {
    const spans = (o: ProbeOutageT): boolean =>
      covering === undefined || (o.startedAt <= covering && covering <= o.startedAt + o.lengthMs);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`answers from ${this.target} did not resume within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onOutage((outage) => {
        if (!spans(outage)) return;
        clearTimeout(timer);
        off();
        resolve(outage);
      });
    });
  }

  /** Stops sending; resolves with the report once answers in flight have had their chance. */
  stop(): Promise<ProbeReportT> {
    return new Promise((resolve, reject) => {
      this.reported = resolve;
      void this.agent.exited.then(() => reject(new Error(`probe agent ${this.agent.label} exited`)));
      this.send({ op: 'stop', id: this.id });
    });
  }

  /** @internal Delivers an event of this probe. */
  deliver(event: AgentEventT): void {
    if (event.event === 'up') {
      this.answered = true;
      for (const waiter of this.upWaiters.splice(0)) waiter();
    } else if (event.event === 'outage') {
      for (const listener of [...this.listeners]) listener(event.outage);
    } else if (event.event === 'report') {
      this.reported?.(event.report);
    }
  }
}

/** The probe agent of one node namespace. */
export class ProbeAgent {
  private constructor(
    private readonly agent: ManagedProcess,
    private readonly probes: Map<string, Probe>,
  ) {}

  /** Starts the agent in `ns`; resolves once it listens. */
  static async start(ns: Netns, label: string, processes: ProcessSet): Promise<ProbeAgent> {
    const probes = new Map<string, Probe>();
    const child = processes.add(
      startVifibnet(ns, label, ['demo', 'probe-agent', '--port', String(PROBE_PORT)], {
        onLine: (line) => {
          const event = AgentEvent.safeParse(parseJson(line));
          if (!event.success || !('id' in event.data) || event.data.id === undefined) return;
          probes.get(event.data.id)?.deliver(event.data);
          if (event.data.event === 'report') probes.delete(event.data.id);
        },
      }),
    );
    await child.waitForLine(/"event":"ready"/, AGENT_START_TIMEOUT_MS);
    return new ProbeAgent(child, probes);
  }

  /** Starts probing `target` (another node's overlay address) every `intervalMs`. */
  probe(target: string, intervalMs = PROBE_INTERVAL_MS): Probe {
    const id = randomBytes(4).toString('hex');
    const probe = new Probe(id, target, (c) => this.send(c), this.agent);
    this.probes.set(id, probe);
    this.send({ op: 'start', id, target, port: PROBE_PORT, intervalMs });
    return probe;
  }

  /** Settles once the agent process has exited. */
  async exited(): Promise<void> {
    await this.agent.exited;
  }

  private send(command: object): void {
    if (this.agent.running()) this.agent.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }
}

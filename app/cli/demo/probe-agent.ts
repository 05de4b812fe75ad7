/**
 * The probe agent, `vifibnet demo probe-agent --port P`: the process half of the prober, run
 * once inside each node namespace (a Node program cannot enter another namespace itself). It
 * echoes every UDP datagram that reaches its port, and on command sends numbered probes every
 * `intervalMs` to another node's agent, reporting on stdout (JSON lines) the first answer, each
 * outage as soon as answers resume, and a final report when told to stop.
 *
 * stdin commands: `{"op":"start","id","target","port","intervalMs"}`, `{"op":"stop","id"}`.
 * stdout events: `ready`, `up`, `outage`, `report`, `error` (see {@link AgentEvent}).
 * It exits when stdin closes, so it never outlives the demo that started it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { z } from 'zod';

/** How long a stopped probe still waits for answers in flight. */
export const ANSWER_GRACE_MS = 1_000;

/** A run of unanswered probes between two answered ones (or after the last answered one). */
export const ProbeOutage = z.object({
  /** When the last answered probe before the run was sent (ms since the epoch). */
  startedAt: z.number(),
  /** From that probe to the next answered one (to the stop, when none was). */
  lengthMs: z.number(),
  /** Unanswered probes in the run. */
  lost: z.number().int(),
  /** False when no probe was answered after the run. */
  ended: z.boolean(),
});

/** One outage seen by a probe. */
export type ProbeOutageT = z.infer<typeof ProbeOutage>;

/** What a probe measured, counted from its first answer (the path may not exist before). */
export const ProbeReport = z.object({
  /** Probes sent. */
  sent: z.number().int(),
  /** Probes answered. */
  received: z.number().int(),
  /** Probes unanswered after the first answer. */
  lost: z.number().int(),
  /** Longest time between two consecutive answered probes (≈ the interval when nothing is lost). */
  longestGapMs: z.number(),
  /** Every run of lost probes. */
  outages: z.array(ProbeOutage),
});

/** What a probe measured. */
export type ProbeReportT = z.infer<typeof ProbeReport>;

/** Commands on the agent's stdin. */
export const AgentCommand = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('start'),
    id: z.string(),
    target: z.string(),
    port: z.number().int().min(1).max(65535),
    intervalMs: z.number().min(5).max(10_000),
  }),
  z.object({ op: z.literal('stop'), id: z.string() }),
]);

/** Events on the agent's stdout. */
export const AgentEvent = z.discriminatedUnion('event', [
  z.object({ event: z.literal('ready'), port: z.number() }),
  z.object({ event: z.literal('up'), id: z.string(), at: z.number() }),
  z.object({ event: z.literal('outage'), id: z.string(), outage: ProbeOutage }),
  z.object({ event: z.literal('report'), id: z.string(), report: ProbeReport }),
  z.object({ event: z.literal('error'), id: z.string().optional(), message: z.string() }),
]);

/** An event of the agent. */
export type AgentEventT = z.infer<typeof AgentEvent>;

/**
 * Analyses a probe run. Pure. `sentAt[i]` is when probe `i` left, `answered` the numbers of
 * the answered probes, `stoppedAt` when sending ended.
 */
export function analyseProbe(
  sentAt: readonly number[],
  answered: ReadonlySet<number>,
  stoppedAt: number,
): ProbeReportT {
  const seqs = [...answered].filter((s) => s < sentAt.length).sort((a, b) => a - b);
  const outages: ProbeOutageT[] = [];
  let longestGapMs = 0;
  for (let i = 1; i < seqs.length; i++) {
    const [prev, next] = [seqs[i - 1]!, seqs[i]!];
    const gap = sentAt[next]! - sentAt[prev]!;
    longestGapMs = Math.max(longestGapMs, gap);
    if (next > prev + 1)
      outages.push({ startedAt: sentAt[prev]!, lengthMs: gap, lost: next - prev - 1, ended: true });
  }
  const last = seqs.at(-1);
  if (last !== undefined && last < sentAt.length - 1) {
    const lengthMs = stoppedAt - sentAt[last]!;
    longestGapMs = Math.max(longestGapMs, lengthMs);
    outages.push({ startedAt: sentAt[last]!, lengthMs, lost: sentAt.length - 1 - last, ended: false });
  }
  const first = seqs[0];
  return {
    sent: sentAt.length,
    received: seqs.length,
    lost: first === undefined ? 0 : sentAt.length - first - seqs.length,
    longestGapMs,
    outages,
  };
}

/** `JSON.parse`, or undefined for text that is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function emit(event: AgentEventT): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** One running probe of the agent. */
class SendingProbe {
  private readonly sentAt: number[] = [];
  private readonly answered = new Set<number>();
  private lastAnswered = -1;
  private readonly socket: Socket = createSocket('udp6');
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly id: string,
    target: string,
    port: number,
    intervalMs: number,
  ) {
    this.socket.on('message', (msg) => this.onAnswer(msg));
    this.socket.on('error', (err) => emit({ event: 'error', id, message: err.message }));
    this.timer = setInterval(() => {
      const seq = this.sentAt.length;
      const packet = Buffer.alloc(8);
      packet.writeUInt32BE(seq, 0);
      packet.writeUInt32BE(0x76666270, 4); // "vfbp"
      this.sentAt.push(Date.now());
      // An unroutable destination fails the send: that probe simply counts as lost.
      this.socket.send(packet, port, target, () => undefined);
    }, intervalMs);
  }

  private onAnswer(msg: Buffer): void {
    if (msg.length !== 8 || msg.readUInt32BE(4) !== 0x76666270) return;
    const seq = msg.readUInt32BE(0);
    if (seq >= this.sentAt.length || this.answered.has(seq)) return;
    this.answered.add(seq);
    if (this.lastAnswered < 0) emit({ event: 'up', id: this.id, at: Date.now() });
    else if (seq > this.lastAnswered + 1) {
      const startedAt = this.sentAt[this.lastAnswered]!;
      const outage = {
        startedAt,
        lengthMs: this.sentAt[seq]! - startedAt,
        lost: seq - this.lastAnswered - 1,
        ended: true,
      };
      emit({ event: 'outage', id: this.id, outage });
    }
    this.lastAnswered = Math.max(this.lastAnswered, seq);
  }

  /** Stops sending, waits for answers in flight, reports. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, ANSWER_GRACE_MS));
    this.socket.close();
    emit({ event: 'report', id: this.id, report: analyseProbe(this.sentAt, this.answered, stoppedAt) });
  }
}

/** Runs the agent until its stdin closes. */
export async function runProbeAgent(port: number): Promise<void> {
  const echo = createSocket({ type: 'udp6', ipv6Only: false });
  echo.on('message', (msg, from) => echo.send(msg, from.port, from.address));
  await new Promise<void>((resolve, reject) => {
    echo.once('error', reject);
    echo.bind(port, '::', () => resolve());
  });
  const probes = new Map<string, SendingProbe>();
  emit({ event: 'ready', port });
  const input = createInterface({ input: process.stdin });
  for await (const line of input) {
    const parsed = AgentCommand.safeParse(parseJson(line));
    if (!parsed.success) {
      emit({ event: 'error', message: `bad command: ${line}` });
      continue;
    }
    const command = parsed.data;
    if (command.op === 'start' && !probes.has(command.id)) {
      probes.set(command.id, new SendingProbe(command.id, command.target, command.port, command.intervalMs));
    } else if (command.op === 'stop') {
      const probe = probes.get(command.id);
      probes.delete(command.id);
      void probe?.stop();
    }
  }
  echo.close();
  await Promise.all([...probes.values()].map((p) => p.stop()));
}

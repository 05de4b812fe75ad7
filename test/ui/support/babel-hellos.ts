/**
 * What babeld announces as its hello interval, heard from outside: a {@link HelloListeners} runs
 * the hello agent (babel-hello-agent.ts) in some namespaces and keeps every multicast Hello they
 * hear; {@link babelInterfaces} reads, through a node's read-only babeld socket, the interfaces
 * its babeld runs on and the link-local address it speaks from on each. Together: the interval
 * babeld itself puts in the Hellos it sends on each of its interfaces. (babeld 1.12's `dump` has
 * no hello interval; the Hello TLV carries it, in centiseconds.)
 */
import { join } from 'node:path';
import { z } from 'zod';
import { pollUntil, type Netns } from '../../../app/cli/demo/netns';
import type { ManagedProcess } from '../../../app/cli/demo/processes';
import type { BabelInterface } from '../../../app/core/babel/dump-parser';
import { BabelLocalClient } from '../../../app/core/babel/local-client';
import { createLogger } from '../../../app/core/log';
import { startAgent } from './ns-agent';

const AGENT = join(import.meta.dirname, 'babel-hello-agent.ts');

/** One multicast Hello, as an agent heard it. */
export const HeardHello = z.object({
  /** The sender's link-local address. */
  from: z.string(),
  /** The interface it was heard on. */
  ifname: z.string(),
  /** The hello interval it announces, in centiseconds. */
  intervalCs: z.number().int(),
  /** When it was heard, ms since the epoch. */
  at: z.number(),
});

/** A {@link HeardHello}. */
export type HeardHelloT = z.infer<typeof HeardHello>;

/** Hello agents in some namespaces, and everything they heard. */
export class HelloListeners {
  private constructor(
    private readonly agents: ManagedProcess[],
    private readonly hellos: HeardHelloT[],
  ) {}

  /** Starts one agent in each of `namespaces`; resolves once all listen. */
  static async start(namespaces: readonly Netns[]): Promise<HelloListeners> {
    const hellos: HeardHelloT[] = [];
    const onLine = (line: string): void => {
      const parsed = line.startsWith('{') ? HeardHello.safeParse(JSON.parse(line)) : null;
      if (parsed?.success) hellos.push(parsed.data);
    };
    const started = await Promise.allSettled(
      namespaces.map((ns) => startAgent(ns, `hello agent ${ns.name}`, AGENT, [], onLine)),
    );
    const agents = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(agents.map((a) => a.stop(1_000)));
      throw failed.reason;
    }
    return new HelloListeners(agents, hellos);
  }

  /** The Hellos heard from any of the addresses `from` since `since` (ms since the epoch), oldest first. */
  heard(from: ReadonlySet<string>, since: number): HeardHelloT[] {
    return this.hellos.filter((h) => h.at >= since && from.has(h.from));
  }

  /** Stops every agent. */
  async dispose(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.stop(1_000)));
  }
}

/** The interfaces babeld runs on and speaks from (up, with a link-local address), from its `dump`. */
export async function babelInterfaces(readOnlySocket: string, timeoutMs = 10_000): Promise<BabelInterface[]> {
  const client = new BabelLocalClient(readOnlySocket, {
    logger: createLogger({ scope: 'test-babel', level: 'error' }),
  });
  try {
    return await pollUntil(
      `babeld's interfaces through ${readOnlySocket}`,
      () => {
        if (!client.connected) return undefined;
        const up = [...client.table.interfaces.values()].filter((i) => i.up && i.ipv6 !== null);
        return up.length > 0 ? up : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
  } finally {
    client.dispose();
  }
}

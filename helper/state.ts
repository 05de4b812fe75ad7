/**
 * What the helper has set up, in memory and on disk. Every change that leaves something behind
 * in the system (a device, an address, a route, a child process) is recorded in the state file
 * before the operation answers, written atomically, so a helper restarted after a crash knows
 * exactly what to remove (see cleanup.ts).
 */
import { readFile, rm } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from './fsutil';

/** A child process as recorded: enough to recognise it in /proc before killing it. */
export const ChildRecord = z.object({
  program: z.enum(['openvpn', 'babeld']),
  name: z.string(),
  pid: z.number().int().positive(),
  /** Absolute path of the program (argv[0] in /proc/PID/cmdline). */
  path: z.string(),
  /** The config file the child was started with; must appear in its cmdline. */
  config: z.string(),
});

/** One child record. */
export type ChildRecordT = z.infer<typeof ChildRecord>;

/** The network configuration as applied (canonical texts). */
export const NetworkRecord = z.object({
  networkPrefix: z.string(),
  nodePrefix: z.string(),
  address: z.string(),
  nodeLength: z.number().int(),
});

/** The applied network configuration. */
export type NetworkRecordT = z.infer<typeof NetworkRecord>;

/** Schema of the state file. */
export const PersistedState = z.object({
  version: z.literal(1),
  helperPid: z.number().int(),
  devices: z.array(z.object({ name: z.string(), mode: z.enum(['tun', 'tap']) })),
  network: NetworkRecord.nullable(),
  children: z.array(ChildRecord),
  /** Socket files the helper created (the read-only babeld socket). */
  sockets: z.array(z.string()),
});

/** Contents of the state file. */
export type PersistedStateT = z.infer<typeof PersistedState>;

/**
 * The live record. Mutators change memory; {@link StateStore.save} writes it. Saves are chained,
 * so the file always ends with the latest state even when saves overlap.
 */
export class StateStore {
  /** Devices the helper created, by name. */
  readonly devices = new Map<string, 'tun' | 'tap'>();
  /** Live children, by `program:name`. */
  readonly children = new Map<string, ChildRecordT>();
  /** Socket files the helper created. */
  readonly sockets = new Set<string>();
  /** The applied network configuration. */
  network: NetworkRecordT | null = null;
  private chain: Promise<void> = Promise.resolve();

  /** Creates a store writing to `path`. */
  constructor(readonly path: string) {}

  /** The record as written to disk. */
  toJSON(): PersistedStateT {
    return {
      version: 1,
      helperPid: process.pid,
      devices: [...this.devices].map(([name, mode]) => ({ name, mode })),
      network: this.network,
      children: [...this.children.values()],
      sockets: [...this.sockets],
    };
  }

  /** Writes the current record atomically (0600); resolves once this state is on disk. */
  save(): Promise<void> {
    const next = this.chain.then(() =>
      writeFileAtomic(this.path, `${JSON.stringify(this.toJSON(), null, 2)}\n`, 0o600),
    );
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Removes the state file (after a clean shutdown). */
  async remove(): Promise<void> {
    await this.chain;
    await rm(this.path, { force: true });
  }
}

/** Reads a previous helper's state file; null when absent. Throws when present but unreadable. */
export async function loadState(path: string): Promise<PersistedStateT | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return PersistedState.parse(JSON.parse(text));
}

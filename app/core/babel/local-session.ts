/**
 * The conversation with babeld's local socket, as a pure state machine fed one line at a time
 * (the socket I/O lives in local-client.ts). On connection babeld writes a banner ending in `ok`:
 *
 *     BABEL 1.0
 *     version babeld-1.12.1
 *     host vm
 *     my-id a8:a3:3f:87:d8:ab:4d:f9
 *     ok
 *
 * The session then sends `dump` (all objects as `add` lines, then `ok`: the snapshot) and
 * `monitor` (babeld replays every object as `add`, writes `ok`, then streams add/change/flush
 * lines as things change). babeld answers a refused command with `no <reason>` or `bad`.
 */
import { BabelParseError, parseUpdate, type BabelUpdate } from './dump-parser';

/** The protocol line babeld's banner starts with; the only version this client speaks. */
export const BABEL_PROTOCOL_BANNER = 'BABEL 1.0';

/** What babeld says about itself when a client connects. */
export interface BabelBanner {
  /** e.g. `babeld-1.12.1`. */
  version: string;
  /** Host name of the machine babeld runs on. */
  host: string;
  /** babeld's router id. */
  myId: string;
}

/** A command the session sends; babeld's read-only socket accepts both. */
export type BabelCommand = 'dump' | 'monitor';

/** What the session asks of its owner after a line. */
export type SessionOutput =
  | { type: 'send'; command: BabelCommand }
  | { type: 'snapshot'; updates: BabelUpdate[] }
  | { type: 'monitoring'; banner: BabelBanner }
  | { type: 'update'; update: BabelUpdate }
  | { type: 'malformed'; error: BabelParseError }
  | { type: 'failed'; reason: string };

type State = 'banner' | 'dump' | 'replay' | 'monitoring' | 'failed';

/** One connection's protocol state. Create a new session for every connection. */
export class LocalSession {
  private state: State = 'banner';
  private readonly bannerFields = new Map<string, string>();
  private snapshot: BabelUpdate[] = [];

  /** True once the snapshot was taken and `monitor` acknowledged. */
  get monitoring(): boolean {
    return this.state === 'monitoring';
  }

  /** Consumes one line (without its newline) and returns what to do about it. */
  receive(line: string): SessionOutput[] {
    switch (this.state) {
      case 'banner':
        return this.receiveBanner(line);
      case 'dump':
      case 'replay':
        return this.receiveReply(line);
      case 'monitoring':
        return [this.update(line)];
      case 'failed':
        return [];
    }
  }

  private fail(reason: string): SessionOutput[] {
    this.state = 'failed';
    return [{ type: 'failed', reason }];
  }

  private receiveBanner(line: string): SessionOutput[] {
    if (!this.bannerFields.has('protocol')) {
      if (line !== BABEL_PROTOCOL_BANNER)
        return this.fail(`unexpected banner ${JSON.stringify(line.slice(0, 80))}`);
      this.bannerFields.set('protocol', line);
      return [];
    }
    if (line !== 'ok') {
      const space = line.indexOf(' ');
      if (space > 0) this.bannerFields.set(line.slice(0, space), line.slice(space + 1));
      return [];
    }
    this.state = 'dump';
    return [{ type: 'send', command: 'dump' }];
  }

  private receiveReply(line: string): SessionOutput[] {
    if (line === 'bad' || line === 'no' || line.startsWith('no ')) {
      return this.fail(`babeld refused '${this.state === 'dump' ? 'dump' : 'monitor'}': ${line}`);
    }
    if (line !== 'ok') {
      const out = this.update(line);
      if (this.state === 'dump' && out.type === 'update') {
        this.snapshot.push(out.update);
        return [];
      }
      return [out];
    }
    if (this.state === 'dump') {
      const updates = this.snapshot;
      this.snapshot = [];
      this.state = 'replay';
      return [
        { type: 'snapshot', updates },
        { type: 'send', command: 'monitor' },
      ];
    }
    this.state = 'monitoring';
    return [{ type: 'monitoring', banner: this.banner() }];
  }

  private banner(): BabelBanner {
    return {
      version: this.bannerFields.get('version') ?? 'unknown',
      host: this.bannerFields.get('host') ?? 'unknown',
      myId: this.bannerFields.get('my-id') ?? 'unknown',
    };
  }

  private update(line: string): SessionOutput {
    try {
      return { type: 'update', update: parseUpdate(line) };
    } catch (error) {
      if (error instanceof BabelParseError) return { type: 'malformed', error };
      throw error;
    }
  }
}

/**
 * The listener's ICMP guard: an nftables table that keeps ICMP "port unreachable" errors about
 * the UDP listener's own datagrams away from OpenVPN.
 *
 * Why: the tap server answers every client from one UDP socket, and OpenVPN turns IP_RECVERR on
 * for it. When a client's port closes (a drained tunnel closed, a crashed node), the server still
 * sends to it for a while — an OpenVPN 2.6 server keeps a client for 5 s after its exit
 * notification ("Delayed exit in 5 seconds"), a crashed one until its keepalive expires — and
 * each port-unreachable that comes back sets the socket's pending error, which fails the
 * server's *next* write, usually to another client (`write UDPv4 [ECONNREFUSED]`): that client
 * loses babel hellos and data for a second or more, and routes flap. Measured in the 6-node
 * mesh (hello 0.5 s, 50 ms probes): without the guard 6 of 6 tunnel rotations cost a pair that
 * shares the far end's listener 0.5–1.2 s of probes; with it, 0 of 6 (the rule's counter showed
 * 8–9 errors dropped per rotation). OpenVPN learns nothing useful from these errors: a server
 * never acts on them.
 *
 * The guard is best effort: without `nft` (package nftables) the listener runs unguarded and a
 * warning says what to install. The table is the helper's alone (config/nftables.ts); it is
 * replaced atomically, removed with the listener and at teardown, and removed at start-up in case
 * a crashed helper left it.
 */
import { existsSync } from 'node:fs';
import type { HelperContext } from '../context';
import { icmpGuardRuleset } from '../config/nftables';
import { NFT_PATH, runProgram } from '../exec';
import { writeFileAtomic } from '../fsutil';
import { icmpGuardScriptPath } from '../paths';

/** Installs and removes the guard table. */
export class IcmpGuard {
  private warned = false;

  constructor(
    private readonly ctx: HelperContext,
    private readonly nftPath = NFT_PATH,
  ) {}

  /** Guards the UDP listener on `port` (replacing a guard of another port). */
  async protect(port: number): Promise<void> {
    await this.load(port, `Guarding UDP port ${port} against ICMP port-unreachable`);
  }

  /** Removes the guard (idempotent). */
  async clear(): Promise<void> {
    await this.load(null, 'Removing the ICMP guard');
  }

  /** Writes and loads the script; a missing nft or a refusal is logged, never thrown. */
  private async load(port: number | null, what: string): Promise<void> {
    if (!existsSync(this.nftPath)) {
      if (this.warned || port === null) return;
      this.warned = true;
      this.ctx.logger.warn(
        `${this.nftPath} not found: the OpenVPN listener runs without its ICMP guard, so a closed tunnel can cost other tunnels packets (install the nftables package)`,
      );
      return;
    }
    const script = icmpGuardScriptPath(this.ctx.paths);
    try {
      await this.ctx.logger.step(what, async () => {
        await writeFileAtomic(script, icmpGuardRuleset(port), 0o600);
        await runProgram(this.nftPath, ['-f', script]);
      });
    } catch (err) {
      this.ctx.logger.warn(
        `the ICMP guard was not ${port === null ? 'removed' : 'installed'}: ${(err as Error).message}`,
      );
    }
  }
}

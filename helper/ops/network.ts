/**
 * `network.configure` / `network.clear`: the node's address on `lo` (this kernel has no dummy
 * links) with its node prefix length, so the kernel route of the node prefix is what babeld
 * redistributes, and an `unreachable` route over the whole network prefix, so traffic to a
 * destination babel does not know fails at once instead of leaking to the default route.
 */
import type { HelperContext } from '../context';
import { addAddress, addUnreachable, removeAddress, removeUnreachable } from '../net/ip';
import { runProgram, IP_PATH } from '../exec';
import {
  containsAddress,
  containsPrefix,
  formatAddress,
  formatPrefix,
  hasHostBits,
  parseAddress,
  parsePrefix,
  type Prefix,
} from '../net/ipv6';
import { HelperError, type OperationParams } from '../protocol';
import type { NetworkRecordT } from '../state';

function prefixOrFail(field: string, text: string): Prefix {
  const p = parsePrefix(text);
  if (!p) throw new HelperError('invalid_params', `${field} ${text} is not an IPv6 prefix`);
  if (hasHostBits(p)) {
    throw new HelperError(
      'invalid_params',
      `${field} ${text} has bits set after /${p.length}; did you mean ${formatPrefix(p)}?`,
    );
  }
  return p;
}

/**
 * Checks a requested network configuration and returns it in canonical form: the node prefix
 * must lie inside the network prefix and the address inside the node prefix. Pure.
 */
export function checkNetwork(params: OperationParams<'network.configure'>): NetworkRecordT {
  const network = prefixOrFail('networkPrefix', params.networkPrefix);
  const node = prefixOrFail('nodePrefix', params.nodePrefix);
  if (network.length > 64)
    throw new HelperError('invalid_params', `network prefix ${params.networkPrefix} is longer than /64`);
  if (!containsPrefix(network, node) || node.length === network.length) {
    throw new HelperError(
      'invalid_params',
      `prefix ${params.nodePrefix} is outside the network ${params.networkPrefix} (a node prefix must be a strict subnet of it)`,
    );
  }
  if (node.length > 128)
    throw new HelperError('invalid_params', `node prefix ${params.nodePrefix} is too long`);
  const address = parseAddress(params.address);
  if (address === null)
    throw new HelperError('invalid_params', `address ${params.address} is not an IPv6 address`);
  if (!containsAddress(node, address)) {
    throw new HelperError(
      'invalid_params',
      `address ${params.address} is outside the node prefix ${params.nodePrefix}`,
    );
  }
  return {
    networkPrefix: formatPrefix(network),
    nodePrefix: formatPrefix(node),
    address: formatAddress(address),
    nodeLength: node.length,
  };
}

/** The node's network configuration. */
export class NetworkConfig {
  /** Creates the module over the shared context. */
  constructor(private readonly ctx: HelperContext) {}

  /** The applied configuration, or null. */
  get current(): NetworkRecordT | null {
    return this.ctx.store.network;
  }

  /** Applies `params` (idempotent; replaces a different previous configuration). */
  async configure(params: OperationParams<'network.configure'>): Promise<{ changed: boolean }> {
    const want = checkNetwork(params);
    const have = this.ctx.store.network;
    const same = have !== null && JSON.stringify(have) === JSON.stringify(want);
    if (have && !same) await this.clear();
    this.ctx.store.network = want;
    await this.ctx.store.save(); // recorded first: a crash half-way is cleaned up on restart
    await this.ctx.logger.step(
      'Configuring the node address and network route',
      async () => {
        await runProgram(IP_PATH, ['link', 'set', 'dev', 'lo', 'up']);
        await addAddress('lo', want.address, want.nodeLength);
        await addUnreachable(want.networkPrefix);
      },
      { address: `${want.address}/${want.nodeLength}`, network: want.networkPrefix },
    );
    return { changed: !same };
  }

  /** Removes the address and the route (idempotent). */
  async clear(): Promise<{ changed: boolean }> {
    const have = this.ctx.store.network;
    if (!have) return { changed: false };
    await this.ctx.logger.step('Removing the node address and network route', async () => {
      await removeAddress('lo', have.address, have.nodeLength);
      await removeUnreachable(have.networkPrefix);
    });
    this.ctx.store.network = null;
    await this.ctx.store.save();
    return { changed: true };
  }
}

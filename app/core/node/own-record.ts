/**
 * This node's own signed address record, the one peer exchange hands out first: the same
 * payload the registry receives on announce, signed with the node key.
 */
import { signEnvelope } from '../../registry/envelope';
import type { AddressRecordT, EndpointT, SignedEnvelopeT } from '../../registry/protocol';
import type { NodeState } from './node-state';

/** Signs the address record of `state` with `endpoints` at time `now`. */
export function ownAddressRecord(state: NodeState, endpoints: EndpointT[], now: number): SignedEnvelopeT {
  const payload: AddressRecordT = { type: 'announce', prefix: state.prefix, endpoints, timestamp: now };
  return signEnvelope(state.keyPem, state.certPem, payload);
}

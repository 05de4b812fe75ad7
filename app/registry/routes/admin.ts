/**
 * Admin endpoints (`Authorization: Bearer <admin credential>`): the same operations as the
 * local `vifibnet registry` admin commands.
 */
import { setConfigValue } from '../config-store';
import { route } from '../http-server';
import { createInvitations } from '../invitations';
import { listNodes } from '../nodes';
import {
  API_PREFIX,
  ConfigSetRequest,
  NodeRevokeRequest,
  TokenCreateRequest,
  TokenRevokeRequest,
} from '../protocol';
import { revokeNode } from '../revocation';
import { DEFAULT_TOKEN_TTL_S, listTokens, revokeToken } from '../tokens';

const ADMIN = `${API_PREFIX}/admin`;

/** Token, node and config administration. */
export const adminRoutes = [
  route({
    method: 'POST',
    path: `${ADMIN}/tokens`,
    admin: true,
    status: 201,
    body: TokenCreateRequest,
    handle: async (registry, body) => ({
      tokens: await createInvitations(registry, {
        ...body,
        ttlSeconds: body.ttlSeconds ?? DEFAULT_TOKEN_TTL_S,
      }),
    }),
  }),
  route({
    method: 'GET',
    path: `${ADMIN}/tokens`,
    admin: true,
    handle: (registry) => ({ tokens: listTokens(registry) }),
  }),
  route({
    method: 'POST',
    path: `${ADMIN}/tokens/revoke`,
    admin: true,
    body: TokenRevokeRequest,
    handle: (registry, body) => revokeToken(registry, body.id),
  }),
  route({
    method: 'GET',
    path: `${ADMIN}/nodes`,
    admin: true,
    handle: (registry) => ({ nodes: listNodes(registry) }),
  }),
  route({
    method: 'POST',
    path: `${ADMIN}/nodes/revoke`,
    admin: true,
    body: NodeRevokeRequest,
    handle: (registry, body) => revokeNode(registry, body.node),
  }),
  route({
    method: 'POST',
    path: `${ADMIN}/config`,
    admin: true,
    body: ConfigSetRequest,
    handle: (registry, body) => setConfigValue(registry, body.key, body.value),
  }),
];

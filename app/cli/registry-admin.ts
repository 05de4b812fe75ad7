/**
 * The local admin commands of `vifibnet registry`: they open the registry database directly
 * (the admin is whoever may read it), so they work whether or not `serve` runs.
 */
import { latestConfig, setConfigValue } from '../registry/config-store';
import { createInvitations } from '../registry/invitations';
import { listNodes } from '../registry/nodes';
import { openRegistry, type Registry } from '../registry/registry';
import { revokeNode } from '../registry/revocation';
import { readSettings } from '../registry/settings';
import { DEFAULT_TOKEN_TTL_S, listTokens, revokeToken } from '../registry/tokens';
import { dispatch, output, parseOptions, runReporting, UsageError } from './command';

/** Default registry directory. */
export const DEFAULT_REGISTRY_DIR = process.env.VIFIBNET_REGISTRY_DIR ?? '/var/lib/vifibnet-registry';

/** The `--dir` option every registry command takes. */
export const DIR_OPTION = { dir: { type: 'string', default: DEFAULT_REGISTRY_DIR } } as const;

const JSON_OPTION = { json: { type: 'boolean', default: false } } as const;

/** Opens the registry for one command and closes it afterwards. */
async function withRegistry<T>(dir: string, body: (registry: Registry) => T | Promise<T>): Promise<T> {
  const registry = openRegistry(dir);
  try {
    return await body(registry);
  } finally {
    registry.db.close();
  }
}

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${name} must be a positive integer, not ${text}`);
  return value;
}

const TOKEN_CREATE_USAGE = '[--dir DIR] [--email ADDRESS] [--ttl SECONDS] [--count N] [--json]';

const tokenCommands = {
  create: {
    summary: 'create single-use tokens (mailed with --email)',
    run: (args: string[]) =>
      runReporting('registry token create', TOKEN_CREATE_USAGE, async () => {
        const { values } = parseOptions(args, {
          ...DIR_OPTION,
          ...JSON_OPTION,
          email: { type: 'string' },
          ttl: { type: 'string' },
          count: { type: 'string' },
        });
        const ttlSeconds = positiveInt('--ttl', values.ttl, DEFAULT_TOKEN_TTL_S);
        const count = positiveInt('--count', values.count, 1);
        await withRegistry(values.dir, async (registry) => {
          const tokens = await createInvitations(registry, { count, ttlSeconds, email: values.email });
          const { publicUrl } = readSettings(registry.db);
          output(values.json, { tokens, caFingerprint: registry.caFingerprint }, () =>
            tokens
              .map((t) =>
                values.email
                  ? `token ${t.id} mailed to ${values.email}, expires ${t.expiresAt}`
                  : `${t.token}  (id ${t.id}, expires ${t.expiresAt})`,
              )
              .concat(
                values.email
                  ? []
                  : [
                      `enrol with: vifibnet node enroll --registry ${publicUrl || 'URL'} --token TOKEN --ca-fingerprint ${registry.caFingerprint}`,
                    ],
              )
              .join('\n'),
          );
        });
      }),
  },
  list: {
    summary: 'list tokens and their state',
    run: (args: string[]) =>
      runReporting('registry token list', '[--dir DIR] [--json]', async () => {
        const { values } = parseOptions(args, { ...DIR_OPTION, ...JSON_OPTION });
        const tokens = await withRegistry(values.dir, listTokens);
        output(
          values.json,
          { tokens },
          () =>
            tokens
              .map((t) =>
                `${t.id}  ${t.status.padEnd(7)}  expires ${t.expiresAt}  ${t.email ?? ''}  ${t.usedBy ?? ''}`.trimEnd(),
              )
              .join('\n') || 'no tokens',
        );
      }),
  },
  revoke: {
    summary: 'revoke an unused token by id',
    run: (args: string[]) =>
      runReporting('registry token revoke', '[--dir DIR] ID', async () => {
        const { values, positionals } = parseOptions(args, { ...DIR_OPTION, ...JSON_OPTION }, 1);
        const info = await withRegistry(values.dir, (registry) => revokeToken(registry, positionals[0]!));
        output(values.json, info, () => `token ${info.id} revoked`);
      }),
  },
};

const nodeCommands = {
  list: {
    summary: 'list enrolled nodes',
    run: (args: string[]) =>
      runReporting('registry node list', '[--dir DIR] [--json]', async () => {
        const { values } = parseOptions(args, { ...DIR_OPTION, ...JSON_OPTION });
        const nodes = await withRegistry(values.dir, listNodes);
        output(
          values.json,
          { nodes },
          () =>
            nodes
              .map(
                (n) =>
                  `${n.prefix.padEnd(28)} ${n.name.padEnd(24)} ${n.status.padEnd(7)} ${n.reachable ? 'reachable' : 'unreachable'}  last seen ${n.lastSeen ?? 'never'}`,
              )
              .join('\n') || 'no nodes',
        );
      }),
  },
  revoke: {
    summary: 'revoke a node (by prefix or name) and all its certificates',
    run: (args: string[]) =>
      runReporting('registry node revoke', '[--dir DIR] PREFIX|NAME', async () => {
        const { values, positionals } = parseOptions(args, { ...DIR_OPTION, ...JSON_OPTION }, 1);
        const result = await withRegistry(values.dir, (registry) => revokeNode(registry, positionals[0]!));
        output(
          values.json,
          result,
          () => `node ${result.name} (${result.prefix}) revoked: ${result.certificates} certificate(s)`,
        );
      }),
  },
};

const configCommands = {
  set: {
    summary: 'set a network parameter (publishes a new config version) or a registry setting',
    run: (args: string[]) =>
      runReporting('registry config set', '[--dir DIR] KEY VALUE', async () => {
        const { values, positionals } = parseOptions(args, { ...DIR_OPTION, ...JSON_OPTION }, 2);
        const change = await withRegistry(values.dir, (registry) =>
          setConfigValue(registry, positionals[0]!, positionals[1]!),
        );
        output(values.json, change, () =>
          change.kind === 'network'
            ? `${change.key} = ${String(change.value)}: network config version ${change.version}`
            : `${change.key} = ${String(change.value)} (registry setting)`,
        );
      }),
  },
  show: {
    summary: 'print the current network config and registry settings',
    run: (args: string[]) =>
      runReporting('registry config show', '[--dir DIR]', async () => {
        const { values } = parseOptions(args, DIR_OPTION);
        const shown = await withRegistry(values.dir, (registry) => ({
          network: JSON.parse(latestConfig(registry.db).config) as unknown,
          settings: readSettings(registry.db),
        }));
        process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      }),
  },
};

/** `vifibnet registry token …`. */
export const tokenCommand = (args: string[]): Promise<number> =>
  dispatch('registry token', tokenCommands, args);
/** `vifibnet registry node …`. */
export const nodeCommand = (args: string[]): Promise<number> => dispatch('registry node', nodeCommands, args);
/** `vifibnet registry config …`. */
export const configCommand = (args: string[]): Promise<number> =>
  dispatch('registry config', configCommands, args);

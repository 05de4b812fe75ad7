/**
 * `vifibnet registry …`: create a registry (`init`), run it (`serve`), and administer it
 * locally (`token`, `node`, `config`, in registry-admin.ts). Every command takes `--dir`
 * (default $VIFIBNET_REGISTRY_DIR or /var/lib/vifibnet-registry).
 */
import { readFileSync } from 'node:fs';
import { parseConfigValue } from '../registry/config-store';
import { initRegistry } from '../registry/init';
import type { NetworkParametersT } from '../registry/network-config';
import { openRegistry } from '../registry/registry';
import { serveRegistry } from '../registry/serve';
import type { RegistrySettingsT } from '../registry/settings';
import { DIR_OPTION, configCommand, nodeCommand, tokenCommand } from './registry-admin';
import { dispatch, output, parseOptions, runReporting, UsageError } from './command';

const INIT_USAGE = '[--dir DIR] [--network-prefix P] [--node-prefix-length N] [--set KEY=VALUE]… [--json]';

async function init(args: string[]): Promise<number> {
  return runReporting('registry init', INIT_USAGE, async () => {
    const { values } = parseOptions(args, {
      ...DIR_OPTION,
      'network-prefix': { type: 'string' },
      'node-prefix-length': { type: 'string' },
      set: { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
    });
    const parameters: Partial<NetworkParametersT> = {};
    const settings: Partial<RegistrySettingsT> = {};
    for (const assignment of values.set) {
      const eq = assignment.indexOf('=');
      if (eq < 1) throw new UsageError(`--set takes KEY=VALUE, not '${assignment}'`);
      const change = parseConfigValue(assignment.slice(0, eq), assignment.slice(eq + 1));
      Object.assign(change.kind === 'network' ? parameters : settings, { [change.key]: change.value });
    }
    const length = values['node-prefix-length'];
    const result = await initRegistry(values.dir, {
      networkPrefix: values['network-prefix'],
      nodePrefixLength: length === undefined ? undefined : Number(length),
      parameters,
      settings,
    });
    output(values.json, { dir: values.dir, ...result }, () =>
      [
        `Registry created in ${values.dir}`,
        `network prefix:   ${result.networkPrefix} (node prefixes /${result.nodePrefixLength})`,
        `CA fingerprint:   ${result.caFingerprint}`,
        `admin credential: ${result.adminCredential}`,
        '(the admin credential is shown only now; it authorizes the HTTP admin API)',
      ].join('\n'),
    );
  });
}

const SERVE_USAGE = '[--dir DIR] [--host ADDR] [--port N] [--tls-cert FILE --tls-key FILE]';

async function serve(args: string[]): Promise<number> {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  return runReporting('registry serve', SERVE_USAGE, async () => {
    const { values } = parseOptions(args, {
      ...DIR_OPTION,
      host: { type: 'string', default: '::' },
      port: { type: 'string', default: '8740' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
    });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be 0-65535, not ${values.port}`);
    if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
      throw new UsageError('--tls-cert and --tls-key go together');
    }
    const tls =
      values['tls-cert'] && values['tls-key']
        ? { cert: readFileSync(values['tls-cert'], 'utf8'), key: readFileSync(values['tls-key'], 'utf8') }
        : undefined;
    const registry = openRegistry(values.dir);
    const running = await serveRegistry(registry, { host: values.host, port, tls });
    process.stdout.write(`listening on ${running.url}\n`);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, stop);
    await stopped;
    await registry.log.step('Stopping registry', () => running.close());
    registry.db.close();
  });
}

const REGISTRY_COMMANDS = {
  init: { summary: 'create the CA, network prefix, config and database', run: init },
  serve: { summary: 'run the HTTP API', run: serve },
  token: { summary: 'create, list, revoke enrolment tokens', run: tokenCommand },
  node: { summary: 'list or revoke nodes', run: nodeCommand },
  config: { summary: 'show or set network parameters and registry settings', run: configCommand },
};

/** Entry point of `vifibnet registry`. */
export function runRegistryCommand(args: string[]): Promise<number> {
  return dispatch('registry', REGISTRY_COMMANDS, args);
}

/** `vifibnet node enroll`: join a network with a token from its registry. */
import { enrollNode } from '../core/registry-client/enroll';
import { DEFAULT_STATE_DIR } from '../core/registry-client/state-dir';
import { output, parseOptions, runReporting, UsageError } from './command';

const USAGE = '--registry URL --token TOKEN [--ca-fingerprint SHA256] [--state-dir DIR] [--json]';

/** Entry point of `vifibnet node enroll`. */
export function runNodeEnroll(args: string[]): Promise<number> {
  return runReporting('node enroll', USAGE, async () => {
    const { values } = parseOptions(args, {
      registry: { type: 'string' },
      token: { type: 'string' },
      'ca-fingerprint': { type: 'string' },
      'state-dir': { type: 'string', default: DEFAULT_STATE_DIR },
      json: { type: 'boolean', default: false },
    });
    if (!values.registry || !values.token) throw new UsageError('--registry and --token are required');
    const result = await enrollNode({
      registry: values.registry,
      token: values.token,
      caFingerprint: values['ca-fingerprint'],
      stateDir: values['state-dir'],
    });
    output(values.json, { ...result, stateDir: values['state-dir'] }, () =>
      [
        `Enrolled as ${result.name}`,
        `prefix:         ${result.prefix}`,
        `certificate:    valid until ${result.notAfter}`,
        `network config: version ${result.config.version}`,
        `state:          ${values['state-dir']}`,
      ].join('\n'),
    );
  });
}

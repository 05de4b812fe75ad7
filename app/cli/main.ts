/**
 * The `vifibnet` command: one subcommand per job. Each subcommand module is loaded only when
 * asked for, so `vifibnet helper` never loads the engine and the engine never loads the helper.
 */

/** A subcommand: receives the arguments after its name, resolves to the exit code. */
type Subcommand = (args: string[]) => Promise<number>;

const SUBCOMMANDS: Record<string, { summary: string; load: () => Promise<Subcommand> }> = {
  helper: {
    summary: 'run the privileged helper daemon (as root)',
    load: async () => (await import('../../helper/daemon')).runHelperCommand,
  },
  registry: {
    summary: 'create, run and administer a registry (init, serve, token, node, config)',
    load: async () => (await import('./registry')).runRegistryCommand,
  },
  node: {
    summary: 'member node commands (enroll, run)',
    load: async () => (await import('./node')).runNodeCommand,
  },
  status: {
    summary: 'show what the running node is doing (tunnels, peers, registry)',
    load: async () => (await import('./status')).runStatusCommand,
  },
  demo: {
    summary: 'a local mesh in network namespaces, with its reachability matrix (as root)',
    load: async () => (await import('./demo')).runDemoCommand,
  },
};

function usage(): string {
  const lines = Object.entries(SUBCOMMANDS).map(([name, s]) => `  ${name.padEnd(10)} ${s.summary}`);
  return `usage: vifibnet <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

/** Runs the command line `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const sub = SUBCOMMANDS[name];
  if (!sub) {
    process.stderr.write(`vifibnet: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return (await sub.load())(rest);
}

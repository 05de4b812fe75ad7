/**
 * Every path the helper uses, derived once from its command-line options. Each helper instance
 * keeps its files under its own state directory, so several helpers can run on one machine (the
 * integration tests run one per network namespace).
 */
import { basename, dirname, join } from 'node:path';

/** Default state directory (root-only). */
export const DEFAULT_STATE_DIR = '/var/lib/vifibnet/helper';

/** All paths of one helper instance. */
export interface HelperPaths {
  /** The helper's protocol socket. */
  socket: string;
  /** Directory of the socket (0750, group vifibnet when it exists). */
  runDir: string;
  /** Root-only state directory (0700). */
  stateDir: string;
  /** What the helper set up, for clean-up after a crash. */
  stateFile: string;
  /** Installed CA, certificate, key and CRL (0700, files 0600). */
  credentialsDir: string;
  /** Generated OpenVPN and babeld configurations, babeld's pid/state files and control socket (0700). */
  confDir: string;
  /** babeld's read-write local socket (root only, inside confDir). */
  babelControlSocket: string;
  /** Read-only babeld socket served to the allowed caller, next to the protocol socket. */
  babelReadOnlySocket: string;
  /** babeld configuration file. */
  babeldConfig: string;
  /** babeld pid file. */
  babeldPid: string;
  /** babeld state file (sequence numbers). */
  babeldState: string;
}

/** Derives every path from the socket path, the run directory and the state directory. */
export function helperPaths(socket: string, runDir: string, stateDir: string): HelperPaths {
  const confDir = join(stateDir, 'run');
  const base = basename(socket).replace(/\.sock$/, '');
  return {
    socket,
    runDir,
    stateDir,
    stateFile: join(stateDir, 'state.json'),
    credentialsDir: join(stateDir, 'credentials'),
    confDir,
    babelControlSocket: join(confDir, 'babeld.sock'),
    babelReadOnlySocket: join(runDir, `${base}-babel.sock`),
    babeldConfig: join(confDir, 'babeld.conf'),
    babeldPid: join(confDir, 'babeld.pid'),
    babeldState: join(confDir, 'babeld.state'),
  };
}

/** Where the configuration of the OpenVPN process on `device` lives. */
export function openvpnConfigPath(paths: HelperPaths, device: string): string {
  return join(paths.confDir, `openvpn-${device}.conf`);
}

/** Where the ICMP guard's nftables script is written before `nft -f` reads it. */
export function icmpGuardScriptPath(paths: HelperPaths): string {
  return join(paths.confDir, 'icmp-guard.nft');
}

/** The run directory of a socket path (its parent). */
export function runDirOf(socket: string): string {
  return dirname(socket);
}

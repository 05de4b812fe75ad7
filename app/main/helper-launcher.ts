/**
 * Starts the privileged helper once, through @vscode/sudo-prompt (pkexec on Linux), when the
 * engine cannot reach it. sudo-prompt hands its command to a shell (`pkexec /bin/bash -c "…"`),
 * so the command line is built here only from constants, two paths the app resolved itself
 * (the Electron binary and its own bin/vifibnet.mjs) and the user id as an integer — each
 * checked before anything runs. Nothing the window sends reaches it.
 *
 * The helper runs as a child of pkexec for as long as it lives, with its output sent to the
 * journal by systemd-cat (not to this process, so it survives the app quitting); the launch
 * therefore ends when the helper exits, not when it is ready. The engine notices the helper on
 * its own by reaching the socket.
 */
import { DEFAULT_SOCKET_PATH } from '../../helper/protocol';
import type { HelperLaunchState } from './tray-menu';

/** The part of @vscode/sudo-prompt's `exec` the launcher uses (injected: tests stub it). */
export type SudoExec = (
  command: string,
  options: { name: string },
  callback: (error?: Error, stdout?: string | Buffer, stderr?: string | Buffer) => void,
) => void;

/** Name shown in the authentication prompt (sudo-prompt allows letters, digits and spaces). */
export const PROMPT_NAME = 'vifibnet';
/** Sends the helper's output to the journal under this identifier. */
export const SYSTEMD_CAT = '/usr/bin/systemd-cat';
/** Journal identifier of a helper started from the app. */
export const JOURNAL_IDENTIFIER = 'vifibnet-helper';
/** Sets the environment of the command it runs (pkexec clears the caller's). */
export const ENV = '/usr/bin/env';
/** Makes the Electron binary behave as plain Node. */
export const RUN_AS_NODE = 'ELECTRON_RUN_AS_NODE=1';
/** Largest user id the helper accepts (`--allow-uid`). */
export const MAX_UID = 0xfffffffe;

/** sudo-prompt's messages when the command never ran as root (declined, or no polkit agent). */
const NOT_ELEVATED = {
  declined: 'User did not grant permission.',
  noAgent: 'No polkit authentication agent found.',
} as const;

/** A path the launcher accepts: absolute, only `A-Z a-z 0-9 . _ + - /`, no `..` segment. */
const SAFE_PATH = /^\/[A-Za-z0-9._+/-]{1,4095}$/;
/** What the whole command may contain, checked last as a second guard. */
const SAFE_COMMAND = /^[A-Za-z0-9 ._+/=-]+$/;

/** A launch refused before anything ran, because an input is not what the launcher accepts. */
export class HelperLaunchError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'HelperLaunchError';
  }
}

function checkPath(what: string, path: string): string {
  if (!SAFE_PATH.test(path) || path.split('/').includes('..')) {
    throw new HelperLaunchError(
      `${what} must be an absolute path made of letters, digits and . _ + - / only: ${JSON.stringify(path)}`,
    );
  }
  return path;
}

function checkUid(uid: unknown): number {
  if (typeof uid !== 'number' || !Number.isInteger(uid) || uid < 0 || uid > MAX_UID) {
    throw new HelperLaunchError(`the user id must be an integer from 0 to ${MAX_UID}: ${String(uid)}`);
  }
  return uid;
}

/** The inputs of the command line; {@link helperCommandLine} checks every one. */
export interface HelperCommandInputs {
  /** The Electron binary (`process.execPath`), run as Node. */
  execPath: string;
  /** The app's own bin/vifibnet.mjs, resolved to an absolute path. */
  scriptPath: string;
  /** The user the helper serves besides root (`process.getuid()`). */
  uid: number;
}

/**
 * The command handed to sudo-prompt:
 * `exec /usr/bin/systemd-cat --identifier=vifibnet-helper /usr/bin/env ELECTRON_RUN_AS_NODE=1
 * <execPath> <scriptPath> helper --socket /run/vifibnet/helper.sock --allow-uid <uid>`.
 * Throws {@link HelperLaunchError} when an input is refused.
 */
export function helperCommandLine(inputs: HelperCommandInputs): string {
  const command = [
    'exec',
    SYSTEMD_CAT,
    `--identifier=${JOURNAL_IDENTIFIER}`,
    ENV,
    RUN_AS_NODE,
    checkPath('the Electron binary', inputs.execPath),
    checkPath('the vifibnet script', inputs.scriptPath),
    'helper',
    '--socket',
    checkPath('the helper socket', DEFAULT_SOCKET_PATH),
    '--allow-uid',
    String(checkUid(inputs.uid)),
  ].join(' ');
  if (!SAFE_COMMAND.test(command))
    throw new HelperLaunchError('the helper command contains unexpected characters');
  return command;
}

/** How a launch ended. */
export type HelperLaunchOutcome =
  /** The user dismissed the prompt or is not allowed to authenticate. */
  | { readonly kind: 'declined' }
  /** No polkit authentication agent runs in this session, so nobody could be asked. */
  | { readonly kind: 'no-agent' }
  /** The helper ran as root and has exited (`error` is null after a clean exit). */
  | { readonly kind: 'exited'; readonly error: string | null }
  /** A start is already under way; only one runs at a time. */
  | { readonly kind: 'busy' };

/** Options of {@link HelperLauncher}. */
export interface HelperLauncherOptions extends HelperCommandInputs {
  /** @vscode/sudo-prompt's `exec`. */
  exec: SudoExec;
}

/** Starts the helper through pkexec, one launch at a time. */
export class HelperLauncher {
  private running = false;

  /** Creates the launcher; nothing runs until {@link HelperLauncher.launch}. */
  constructor(private readonly options: HelperLauncherOptions) {}

  /** `launching` from the prompt until the helper exits (or the prompt is declined). */
  get state(): HelperLaunchState {
    return this.running ? 'launching' : 'idle';
  }

  /**
   * Asks for authentication and runs the helper. Resolves when that ends (see
   * {@link HelperLaunchOutcome}); rejects with {@link HelperLaunchError}, before anything runs,
   * when an input is refused.
   */
  launch(): Promise<HelperLaunchOutcome> {
    if (this.running) return Promise.resolve({ kind: 'busy' });
    let command: string;
    try {
      command = helperCommandLine(this.options);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.running = true;
    return new Promise((resolve) => {
      const end = (error: Error | undefined) => {
        this.running = false;
        resolve(outcomeOf(error));
      };
      try {
        this.options.exec(command, { name: PROMPT_NAME }, end);
      } catch (err) {
        end(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }
}

function outcomeOf(error: Error | undefined): HelperLaunchOutcome {
  if (!error) return { kind: 'exited', error: null };
  if (error.message === NOT_ELEVATED.declined) return { kind: 'declined' };
  if (error.message === NOT_ELEVATED.noAgent) return { kind: 'no-agent' };
  return { kind: 'exited', error: error.message };
}

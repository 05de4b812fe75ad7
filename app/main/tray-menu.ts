/**
 * What the tray shows for a state, as plain data: the icon, the tooltip and the context menu's
 * entries with their enabled flags. Pure (no electron), so every state is tested without a
 * desktop; tray-icon-controller.ts turns the result into Electron objects.
 */
import type { ConnectionStateT } from '../ipc';

/** Whether a start of the helper through pkexec is under way (see helper-launcher.ts). */
export type HelperLaunchState = 'idle' | 'launching';

/** Everything the tray depends on. Two equal models give the same tray. */
export interface TrayModel {
  /** The mesh state, from the engine's snapshot. */
  readonly connection: ConnectionStateT;
  /** Whether the helper launcher is waiting on pkexec. */
  readonly helperLaunch: HelperLaunchState;
}

/** A menu action; tray-icon-controller.ts forwards it to the shell. */
export type TrayCommand = 'connect' | 'disconnect' | 'start-helper' | 'open' | 'quit';

/** One entry of the tray's context menu. */
export type TrayMenuEntry =
  | { readonly kind: 'status'; readonly label: string }
  | { readonly kind: 'separator' }
  | {
      readonly kind: 'command';
      readonly command: TrayCommand;
      readonly label: string;
      readonly enabled: boolean;
    };

/** How each state reads in the tray (status line and tooltip). */
export const STATE_LABELS: Readonly<Record<ConnectionStateT, string>> = {
  disconnected: 'Disconnected',
  connecting: 'Connecting…',
  connected: 'Connected',
  degraded: 'Degraded: some peers are unreachable',
  disconnecting: 'Disconnecting…',
  'helper-unreachable': 'Helper not running',
};

/** States in which the mesh is up or coming up, so Disconnect applies. */
const ACTIVE_STATES: ReadonlySet<ConnectionStateT> = new Set(['connecting', 'connected', 'degraded']);

/**
 * File name of the tray icon for `state`, in build/icons: one per state, drawn by
 * build/icons/generate-icons.mjs.
 */
export function trayIconFile(state: ConnectionStateT): string {
  return `tray-${state}.png`;
}

/** The tray's tooltip for `state`. */
export function trayTooltip(state: ConnectionStateT): string {
  return `vifibnet: ${STATE_LABELS[state]}`;
}

/**
 * The context menu for `model`: a status line, then Connect (only when disconnected), Disconnect
 * (while the mesh is up or coming up; both are disabled while disconnecting), Start helper (only
 * while the helper is unreachable, and disabled while a start is under way), Open and Quit.
 */
export function trayMenu(model: TrayModel): TrayMenuEntry[] {
  const { connection, helperLaunch } = model;
  const entries: TrayMenuEntry[] = [
    { kind: 'status', label: STATE_LABELS[connection] },
    { kind: 'separator' },
    { kind: 'command', command: 'connect', label: 'Connect', enabled: connection === 'disconnected' },
    { kind: 'command', command: 'disconnect', label: 'Disconnect', enabled: ACTIVE_STATES.has(connection) },
  ];
  if (connection === 'helper-unreachable') {
    entries.push(
      helperLaunch === 'launching'
        ? { kind: 'command', command: 'start-helper', label: 'Starting the helper…', enabled: false }
        : { kind: 'command', command: 'start-helper', label: 'Start the helper…', enabled: true },
    );
  }
  entries.push(
    { kind: 'separator' },
    { kind: 'command', command: 'open', label: 'Open vifibnet', enabled: true },
    { kind: 'command', command: 'quit', label: 'Quit', enabled: true },
  );
  return entries;
}

/** True when two models give the same tray (so the menu need not be rebuilt). */
export function sameTrayModel(a: TrayModel, b: TrayModel): boolean {
  return a.connection === b.connection && a.helperLaunch === b.helperLaunch;
}

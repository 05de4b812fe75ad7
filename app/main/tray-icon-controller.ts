/**
 * The tray icon: one icon and tooltip per state, and a context menu rebuilt from
 * {@link trayMenu} on every state change (Linux tray hosts show the menu they were last given,
 * so it is replaced rather than mutated).
 */
import { join } from 'node:path';
import { Menu, Tray, type MenuItemConstructorOptions } from 'electron';
import type { Disposable } from './disposable';
import {
  sameTrayModel,
  trayIconFile,
  trayMenu,
  trayTooltip,
  type TrayCommand,
  type TrayMenuEntry,
  type TrayModel,
} from './tray-menu';

/** Options of {@link TrayIconController}. */
export interface TrayIconControllerOptions {
  /** Directory holding the `tray-<state>.png` icons (build/icons). */
  iconDir: string;
  /** Called when the user picks a menu command. */
  onCommand: (command: TrayCommand) => void;
}

/** Owns the tray icon; {@link TrayIconController.update} it with every new model. */
export class TrayIconController implements Disposable {
  private readonly tray: Tray;
  private model: TrayModel;

  /** Creates the tray icon showing `initial`. */
  constructor(
    private readonly options: TrayIconControllerOptions,
    initial: TrayModel,
  ) {
    this.model = initial;
    this.tray = new Tray(this.iconPath(initial));
    this.render();
  }

  /** Shows `model`; icon, tooltip and menu are rebuilt only when it differs from the current one. */
  update(model: TrayModel): void {
    if (sameTrayModel(model, this.model)) return;
    this.model = model;
    this.render();
  }

  /** Removes the icon from the tray. */
  dispose(): void {
    this.tray.destroy();
  }

  private iconPath(model: TrayModel): string {
    return join(this.options.iconDir, trayIconFile(model.connection));
  }

  private render(): void {
    this.tray.setImage(this.iconPath(this.model));
    this.tray.setToolTip(trayTooltip(this.model.connection));
    const template = trayMenu(this.model).map((entry) => this.menuItem(entry));
    this.tray.setContextMenu(Menu.buildFromTemplate(template));
  }

  private menuItem(entry: TrayMenuEntry): MenuItemConstructorOptions {
    switch (entry.kind) {
      case 'status':
        return { label: entry.label, enabled: false };
      case 'separator':
        return { type: 'separator' };
      case 'command':
        return {
          label: entry.label,
          enabled: entry.enabled,
          click: () => this.options.onCommand(entry.command),
        };
    }
  }
}

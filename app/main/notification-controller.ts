/**
 * Desktop notifications: feeds every snapshot through the edge-triggered policy of
 * alert-policy.ts and shows what it asks for. Clicking a notification opens the window.
 */
import { Notification } from 'electron';
import type { SnapshotT } from '../ipc';
import { alertStep, INITIAL_ALERT_MEMORY, type AlertMemory } from './alert-policy';
import { alertText } from './alert-text';
import type { Disposable } from './disposable';

/** Options of {@link NotificationController}. */
export interface NotificationControllerOptions {
  /** True during a planned pause (see power-monitor.ts): new problems are not announced. */
  isQuiet: () => boolean;
  /** Called when the user clicks a notification. */
  onClick: () => void;
  /** Icon shown beside the text. */
  iconPath: string;
}

/** Raises notifications as snapshots arrive. */
export class NotificationController implements Disposable {
  private memory: AlertMemory = INITIAL_ALERT_MEMORY;
  private readonly shown = new Set<Notification>();

  /** Creates the controller; nothing is shown until the first {@link NotificationController.observe}. */
  constructor(private readonly options: NotificationControllerOptions) {}

  /** Takes a new snapshot into account and shows the notifications it triggers. */
  observe(snapshot: SnapshotT): void {
    const step = alertStep(this.memory, snapshot, this.options.isQuiet());
    this.memory = step.memory;
    if (!Notification.isSupported()) return;
    for (const alert of step.alerts) this.show(alertText(alert));
  }

  /** Closes the notifications still on screen. */
  dispose(): void {
    for (const notification of this.shown) notification.close();
    this.shown.clear();
  }

  private show(text: { title: string; body: string }): void {
    const notification = new Notification({ ...text, icon: this.options.iconPath });
    this.shown.add(notification);
    notification.on('click', () => this.options.onClick());
    notification.on('close', () => this.shown.delete(notification));
    notification.show();
  }
}

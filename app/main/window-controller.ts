/**
 * The one window. Its renderer is sandboxed and context-isolated, has no Node, and sees only the
 * preload's API bridge; it loads app://vifibnet/index.html and can go nowhere else: navigation
 * and redirects away from the app's origin are cancelled, new windows are refused, webviews
 * cannot be attached. Closing the window leaves the app in the tray; {@link WindowController.show}
 * brings it back (a new window hydrates itself with `state.get`).
 */
import { BrowserWindow, type BrowserWindowConstructorOptions, type WebContents } from 'electron';
import type { Logger } from '../core/log';
import { APP_ENTRY_URL, isAppUrl } from './app-protocol';
import type { Disposable } from './disposable';
import { errorText } from './error-text';

/** Options of {@link WindowController}. */
export interface WindowControllerOptions {
  /** The built preload script (dist/preload/index.cjs). */
  preloadPath: string;
  /** The window icon. */
  iconPath: string;
  /** Where refused navigations and load failures are logged. */
  logger: Logger;
}

/** The window's options, hardened. Exported for tests. */
export function windowOptions(
  options: Pick<WindowControllerOptions, 'preloadPath' | 'iconPath'>,
): BrowserWindowConstructorOptions {
  return {
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'vifibnet',
    icon: options.iconPath,
    autoHideMenuBar: true,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

/** Cancels every navigation and redirect of `contents` that leaves the app, and every new window. */
export function confineToApp(contents: WebContents, logger: Logger): void {
  const keepInApp = (event: { url: string; preventDefault(): void }) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    logger.warn('Refused navigation away from the app', { url: event.url.slice(0, 200) });
  };
  contents.on('will-navigate', keepInApp);
  contents.on('will-frame-navigate', keepInApp);
  contents.on('will-redirect', keepInApp);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    logger.warn('Refused to open a new window', { url: url.slice(0, 200) });
    return { action: 'deny' };
  });
}

/** Owns the window: created on first {@link WindowController.show}, again after it is closed. */
export class WindowController implements Disposable {
  private window: BrowserWindow | null = null;

  /** Creates the controller; no window exists until {@link WindowController.show}. */
  constructor(private readonly options: WindowControllerOptions) {}

  /** Shows the window restored and focused, or creates it (shown once its page is ready). */
  show(): void {
    const window = this.window;
    if (!window) {
      this.create();
      return;
    }
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  }

  /** Closes the window for good. */
  dispose(): void {
    this.window?.destroy();
    this.window = null;
  }

  private create(): void {
    const window = new BrowserWindow(windowOptions(this.options));
    this.window = window;
    window.removeMenu();
    confineToApp(window.webContents, this.options.logger);
    window.once('ready-to-show', () => window.show());
    window.on('closed', () => {
      if (this.window === window) this.window = null;
    });
    window.loadURL(APP_ENTRY_URL).catch((err: unknown) => {
      this.options.logger.error('Could not load the window', {
        error: errorText(err),
      });
    });
  }
}

/**
 * Small fakes of the Electron main-process API that app/main uses. The Electron binary cannot be
 * downloaded or run on these machines (`require('electron')` throws in plain Node), so the shell's
 * tests replace the module with these: `vi.mock('electron', () => import('./electron-fake'))`.
 * They record what the code under test asked for and let a test fire the events Electron would.
 */
import { vi } from 'vitest';

type Listener = (...args: unknown[]) => unknown;

/** An event emitter in the style of Node's, enough for Electron objects. */
export class FakeEmitter {
  private readonly listeners = new Map<string, Listener[]>();

  /** Adds a listener. */
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  /** Adds a listener called once. */
  once(event: string, listener: Listener): this {
    const wrapped: Listener = (...args) => {
      this.removeListener(event, wrapped);
      return listener(...args);
    };
    return this.on(event, wrapped);
  }

  /** Removes a listener. */
  removeListener(event: string, listener: Listener): this {
    this.listeners.set(
      event,
      (this.listeners.get(event) ?? []).filter((l) => l !== listener),
    );
    return this;
  }

  /** Calls every listener of `event`. */
  emit(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) listener(...args);
  }

  /** Removes every listener of every event. */
  removeAllListeners(): this {
    this.listeners.clear();
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}

/** An event object whose default can be prevented, like Electron's. */
export function fakeEvent<T extends object>(
  fields: T,
): T & { preventDefault: () => void; defaultPrevented: boolean } {
  const event = {
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

/** A window's web contents. */
export class FakeWebContents extends FakeEmitter {
  /** What `setWindowOpenHandler` installed. */
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  /** Events sent to the page. */
  readonly send = vi.fn();

  /** Records the handler. */
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
}

/** A BrowserWindow that records its options and calls. */
export class BrowserWindow extends FakeEmitter {
  /** Every window created since the last reset. */
  static instances: BrowserWindow[] = [];
  /** Open windows. */
  static getAllWindows(): BrowserWindow[] {
    return BrowserWindow.instances.filter((w) => !w.destroyed);
  }

  readonly webContents = new FakeWebContents();
  destroyed = false;
  minimized = false;
  visible = false;
  readonly loadURL = vi.fn((_url: string) => Promise.resolve());
  readonly focus = vi.fn();
  readonly removeMenu = vi.fn();

  /** Records `options`. */
  constructor(readonly options: Record<string, unknown>) {
    super();
    BrowserWindow.instances.push(this);
  }

  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  show(): void {
    this.visible = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** Destroys the window and fires `closed`, as Electron does. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('closed');
  }
}

/** A menu: the template it was built from. */
export interface FakeMenu {
  items: { label?: string; enabled?: boolean; type?: string; click?: () => void }[];
}

/** Menu, counting how often a menu is built. */
export const Menu = {
  builds: 0,
  buildFromTemplate(template: FakeMenu['items']): FakeMenu {
    Menu.builds += 1;
    return { items: template };
  },
};

/** A tray icon that records its image, tooltip and menu. */
export class Tray {
  /** Every tray created since the last reset. */
  static instances: Tray[] = [];
  image: string;
  tooltip = '';
  menu: FakeMenu | null = null;
  destroyed = false;

  /** Records the first image. */
  constructor(image: string) {
    this.image = image;
    Tray.instances.push(this);
  }
  setImage(image: string): void {
    this.image = image;
  }
  setToolTip(tooltip: string): void {
    this.tooltip = tooltip;
  }
  setContextMenu(menu: FakeMenu): void {
    this.menu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

/** A notification that records its options. */
export class Notification extends FakeEmitter {
  /** Every notification created since the last reset. */
  static instances: Notification[] = [];
  static isSupported = (): boolean => true;
  readonly show = vi.fn();
  readonly close = vi.fn();

  /** Records `options`. */
  constructor(readonly options: { title: string; body: string; icon?: string }) {
    super();
    Notification.instances.push(this);
  }
}

/** The IPC event a handler receives: only the sender frame's URL matters here. */
export interface FakeInvokeEvent {
  senderFrame: { url: string } | null;
}

/** ipcMain with its handlers by channel, and `invoke` to call one as a page would. */
export const ipcMain = {
  handlers: new Map<string, (event: FakeInvokeEvent, payload: unknown) => unknown>(),
  handle(channel: string, handler: (event: FakeInvokeEvent, payload: unknown) => unknown): void {
    if (ipcMain.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    ipcMain.handlers.set(channel, handler);
  },
  removeHandler(channel: string): void {
    ipcMain.handlers.delete(channel);
  },
  /** Calls the handler of `channel` as the page at `senderUrl` would. */
  invoke(channel: string, payload: unknown, senderUrl = 'app://vifibnet/index.html'): Promise<unknown> {
    const handler = ipcMain.handlers.get(channel);
    if (!handler) return Promise.reject(new Error(`no handler for ${channel}`));
    // Like Electron, a handler that throws answers with a rejected invoke.
    return Promise.resolve().then(() => handler({ senderFrame: { url: senderUrl } }, payload));
  },
};

/** A session that records its permission handlers. */
export class FakeSession extends FakeEmitter {
  permissionRequestHandler:
    | ((
        contents: unknown,
        permission: string,
        callback: (granted: boolean) => void,
        details: { requestingUrl: string },
      ) => void)
    | null = null;
  permissionCheckHandler: ((contents: unknown, permission: string, origin: string) => boolean) | null = null;

  setPermissionRequestHandler(handler: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = handler;
  }
}

/** `session.defaultSession`. */
export const session = { defaultSession: new FakeSession() };

/** protocol, with the handlers installed by scheme. */
export const protocol = {
  registerSchemesAsPrivileged: vi.fn(),
  handlers: new Map<string, (request: Request) => Promise<Response>>(),
  handle(scheme: string, handler: (request: Request) => Promise<Response>): void {
    protocol.handlers.set(scheme, handler);
  },
  unhandle(scheme: string): void {
    protocol.handlers.delete(scheme);
  },
};

/** powerMonitor: fire `suspend` and `resume` with `emit`. */
export const powerMonitor = new FakeEmitter();

/** dialog. */
export const dialog = { showErrorBox: vi.fn() };

/** app, with the single-instance lock answer settable. */
export const app = Object.assign(new FakeEmitter(), {
  singleInstanceLock: true,
  requestSingleInstanceLock: vi.fn((): boolean => app.singleInstanceLock),
  whenReady: vi.fn(() => Promise.resolve()),
  quit: vi.fn(),
  getAppPath: vi.fn(() => '/opt/vifibnet/resources/app'),
});

/** Puts every fake back to its initial state (call in `beforeEach`). */
export function resetElectronFake(): void {
  BrowserWindow.instances = [];
  Tray.instances = [];
  Notification.instances = [];
  Notification.isSupported = () => true;
  Menu.builds = 0;
  ipcMain.handlers.clear();
  protocol.handlers.clear();
  protocol.registerSchemesAsPrivileged.mockClear();
  session.defaultSession = new FakeSession();
  dialog.showErrorBox.mockClear();
  app.singleInstanceLock = true;
  app.quit.mockClear();
  powerMonitor.removeAllListeners();
  app.removeAllListeners();
}

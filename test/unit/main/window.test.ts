// The Electron binary cannot be downloaded or run on these machines (require('electron') throws
// in plain Node), so `electron` is mocked with small fakes (./electron-fake.ts). These tests check
// what the shell asks of Electron: the window's hardened options, where its page may go, the
// permissions its session grants, and the headers of every app:// response.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { createLogger } from '../../../app/core/log';
import {
  APP_ENTRY_URL,
  RENDERER_CSP,
  registerAppScheme,
  rendererResponse,
  serveRenderer,
} from '../../../app/main/app-protocol';
import { hardenSession } from '../../../app/main/session-hardening';
import { WindowController } from '../../../app/main/window-controller';
import { BrowserWindow, fakeEvent, protocol, resetElectronFake, session } from './electron-fake';

vi.mock('electron', () => import('./electron-fake'));

const logger = createLogger({ scope: 'test', sink: () => undefined });

function openWindow() {
  const controller = new WindowController({
    preloadPath: '/app/dist/preload/index.cjs',
    iconPath: '/app/icon.png',
    logger,
  });
  controller.show();
  const [window] = BrowserWindow.instances as [BrowserWindow];
  return { controller, window, contents: window.webContents };
}

describe('the window', () => {
  beforeEach(() => resetElectronFake());

  test('is created with exactly the hardened webPreferences and loads the app origin', () => {
    const { window } = openWindow();
    expect(window.options.webPreferences).toEqual({
      preload: '/app/dist/preload/index.cjs',
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
    });
    expect(window.loadURL).toHaveBeenCalledWith('app://vifibnet/index.html');
    expect(APP_ENTRY_URL).toBe('app://vifibnet/index.html');
    expect(window.removeMenu).toHaveBeenCalled();
  });

  test.each(['will-navigate', 'will-frame-navigate', 'will-redirect'])(
    '%s to another origin is prevented, within the app it is allowed',
    (eventName) => {
      const { contents } = openWindow();
      for (const url of [
        'https://evil.example/',
        'file:///etc/passwd',
        'app://other-host/index.html',
        'http://127.0.0.1:8080/?token=x',
        'javascript:alert(1)',
      ]) {
        const event = fakeEvent({ url });
        contents.emit(eventName, event, url);
        expect(event.defaultPrevented, url).toBe(true);
      }
      const inside = fakeEvent({ url: 'app://vifibnet/index.html#/peers' });
      contents.emit(eventName, inside, inside.url);
      expect(inside.defaultPrevented).toBe(false);
    },
  );

  test('window.open is denied, for any URL, and webviews cannot be attached', () => {
    const { contents } = openWindow();
    for (const url of ['https://example.net/', 'app://vifibnet/index.html', 'about:blank']) {
      expect(contents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    }
    const attach = fakeEvent({});
    contents.emit('will-attach-webview', attach);
    expect(attach.defaultPrevented).toBe(true);
  });

  test('show() reuses, restores and focuses the open window; a closed one is created anew', () => {
    const { controller, window } = openWindow();
    window.minimized = true;
    controller.show();
    expect(BrowserWindow.instances).toHaveLength(1);
    expect(window.minimized).toBe(false);
    expect(window.focus).toHaveBeenCalled();
    window.destroy();
    controller.show();
    expect(BrowserWindow.instances).toHaveLength(2);
    controller.dispose();
    expect(BrowserWindow.instances[1]!.destroyed).toBe(true);
  });
});

describe('the session', () => {
  beforeEach(() => resetElectronFake());

  test('denies every permission request and check, except clipboard text writes from the app itself', () => {
    hardenSession(session.defaultSession as unknown as Electron.Session);
    const ses = session.defaultSession;
    const request = (permission: string, requestingUrl: string) => {
      let granted: boolean | undefined;
      ses.permissionRequestHandler!({}, permission, (g) => (granted = g), { requestingUrl });
      return granted;
    };
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'openExternal',
      'clipboard-read',
      'display-capture',
      'fullscreen',
      'pointerLock',
      'fileSystem',
      'unknown',
    ]) {
      expect(request(permission, 'app://vifibnet/index.html'), permission).toBe(false);
      expect(ses.permissionCheckHandler!({}, permission, 'app://vifibnet'), permission).toBe(false);
    }
    expect(request('clipboard-sanitized-write', 'app://vifibnet/index.html')).toBe(true);
    expect(ses.permissionCheckHandler!({}, 'clipboard-sanitized-write', 'app://vifibnet')).toBe(true);
    expect(request('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    expect(ses.permissionCheckHandler!({}, 'clipboard-sanitized-write', 'https://evil.example')).toBe(false);

    const download = fakeEvent({});
    ses.emit('will-download', download);
    expect(download.defaultPrevented).toBe(true);
  });
});

describe('app:// responses', () => {
  const root = mkdtempSync(join(tmpdir(), 'vifibnet-renderer-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>vifibnet</title>');
  writeFileSync(join(root, 'assets', 'index.js'), 'export {};');
  writeFileSync(join(root, '..', 'outside-secret.txt'), 'secret');
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(join(root, '..', 'outside-secret.txt'), { force: true });
  });

  const get = (url: string, method = 'GET') => rendererResponse(root, new Request(url, { method }));

  test('the scheme is registered as standard and secure, and served until disposed', () => {
    resetElectronFake();
    registerAppScheme();
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    const serving = serveRenderer(root);
    expect(protocol.handlers.has('app')).toBe(true);
    serving.dispose();
    expect(protocol.handlers.has('app')).toBe(false);
  });

  test('every page carries the CSP header and the right content type', async () => {
    for (const [url, type] of [
      ['app://vifibnet/index.html', 'text/html; charset=utf-8'],
      ['app://vifibnet/', 'text/html; charset=utf-8'],
      ['app://vifibnet/assets/index.js', 'text/javascript; charset=utf-8'],
    ] as const) {
      const response = await get(url);
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-security-policy'), url).toBe(RENDERER_CSP);
      expect(response.headers.get('content-type'), url).toBe(type);
      expect(response.headers.get('x-content-type-options'), url).toBe('nosniff');
    }
    expect(RENDERER_CSP).toContain("default-src 'none'");
    expect(RENDERER_CSP).toContain("script-src 'self'");
    expect(RENDERER_CSP).not.toContain('unsafe');
    expect(await (await get('app://vifibnet/index.html')).text()).toContain('<title>vifibnet</title>');
  });

  test('nothing outside the renderer folder is served, and only GET', async () => {
    for (const url of [
      'app://vifibnet/../outside-secret.txt',
      'app://vifibnet/%2e%2e/outside-secret.txt',
      'app://vifibnet/assets/%2e%2e%2f%2e%2e%2foutside-secret.txt',
      'app://vifibnet/missing.js',
      'app://other/index.html',
    ]) {
      const response = await get(url);
      expect([403, 404], url).toContain(response.status);
      expect(response.headers.get('content-security-policy'), url).toBe(RENDERER_CSP);
    }
    expect((await get('app://vifibnet/index.html', 'POST')).status).toBe(405);
  });
});

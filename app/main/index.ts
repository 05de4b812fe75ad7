/**
 * Entry point of the Electron main process, and the only module of app/main with side effects
 * at import: it registers the app:// scheme (which must happen before the app is ready) and runs
 * the desktop app with the real dependencies — the engine from app/core/node, pkexec through
 * @vscode/sudo-prompt, this process's binary and user.
 */
import { exec } from '@vscode/sudo-prompt';
import { app } from 'electron';
import { createLogger } from '../core/log';
import { runDesktopApp } from './app-lifecycle';
import { registerAppScheme } from './app-protocol';
import { engineHostModule, type EngineHostFactory } from './engine-host';

const loadEngineHost: EngineHostFactory = async (options) =>
  engineHostModule(await import('../core/node/engine-host')).createEngineHost(options);

registerAppScheme();
runDesktopApp({
  createEngineHost: loadEngineHost,
  appRoot: app.getAppPath(),
  execPath: process.execPath,
  uid: process.getuid?.() ?? -1,
  sudoExec: exec,
  logger: createLogger({ scope: 'main' }),
});

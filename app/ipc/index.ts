/**
 * The vifibnet API, shared by the Electron main process, the preload, the renderer and the
 * WebSocket server. Imports nothing from the rest of the project, and nothing from Node or the
 * DOM beyond what both provide (URL, URLSearchParams), so every process can bundle it.
 */
export * from './errors';
export * from './domain';
export * from './schema';
export * from './wire';
export * from './client';
export * from './server';
export * from './babel-estimates';

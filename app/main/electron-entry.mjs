// The file Electron loads as the main process ("main" in package.json). The sources are
// TypeScript; tsx compiles them on load, as bin/vifibnet.mjs does for the command line. The
// top-level await matters: Electron emits `ready` only once this entry has resolved, so index.ts
// registers the app:// scheme before the app is ready, as it must.
import { register } from 'tsx/esm/api';

register();
await import('./index.ts');

#!/usr/bin/env node
// Entry point of the `vifibnet` command. The sources are TypeScript; tsx compiles them on
// load, so a checkout works right after `npm ci` with no separate build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../app/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

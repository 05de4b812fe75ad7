/**
 * Builds the preload script to dist/preload/index.cjs: one CommonJS file (Electron's sandboxed
 * preload cannot load ES modules or other files), with `electron` left as a require.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: fileURLToPath(new URL('../../dist/preload', import.meta.url)),
    emptyOutDir: true,
    target: 'node22',
    minify: false,
    lib: {
      entry: fileURLToPath(new URL('index.ts', import.meta.url)),
      formats: ['cjs'],
      fileName: () => 'index.cjs',
    },
    rolldownOptions: { external: ['electron'] },
  },
});

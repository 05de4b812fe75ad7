/**
 * Builds the renderer (the same bundle for the Electron window and the headless web UI) to
 * dist/renderer, with relative asset paths so it loads from a file or from any server root.
 */
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

const here = (path: string) => decodeURIComponent(new URL(path, import.meta.url).pathname);

export default defineConfig({
  root: here('.'),
  base: './',
  plugins: [vue()],
  build: {
    outDir: here('../dist/renderer'),
    emptyOutDir: true,
    target: 'es2022',
  },
});

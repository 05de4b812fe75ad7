import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

/**
 * One vitest configuration for all suites. Integration and end-to-end tests run real
 * programs as root in network namespaces; each test names its namespaces and devices
 * uniquely, so files may run in parallel on the two cores. Renderer tests compile `.vue` files
 * with the Vue plugin and pick happy-dom per file (`// @vitest-environment happy-dom`).
 */
export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});

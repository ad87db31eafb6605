import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'web/dist/**', 'data/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // 2-core machines: keep parallelism modest so real sockets and databases are not starved.
    maxWorkers: 2,
    reporters: ['default'],
    globalSetup: ['test/support/global-setup.ts'],
  },
});

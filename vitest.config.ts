import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'web/dist/**', 'data/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll waits for something a person would wait for (a live value, a redraw, a route change); on a
    // loaded 2-core machine that can take more than the 1 s default. Tests that need longer say so.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    pool: 'forks',
    // 2-core machines: keep parallelism modest so real sockets and databases are not starved.
    maxWorkers: 2,
    reporters: ['default'],
    globalSetup: ['test/support/global-setup.ts'],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // e2e tests bind loopback ports and spawn processes; keep file-level parallelism modest on 2 cores
    maxWorkers: 2,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // e2e tests bind loopback ports and spawn processes; keep file-level parallelism modest on 2 cores
    maxWorkers: 2,
    // each worker loads src/ and the SDK once for all its files, not once per file (most of the time was imports);
    // no test mocks modules, stubs globals or changes process.env, so files do not need fresh module graphs
    isolate: false,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{core,origin,worker-pool,cli,test}/**/*.test.ts'],
    // sharp and better-sqlite3 are native: separate processes are safer than threads.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

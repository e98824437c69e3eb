import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'node',
          include: ['{core,origin,worker-pool,cli,test,bench}/**/*.test.ts'],
          // sharp and better-sqlite3 are native: separate processes are safer than threads.
          pool: 'forks',
          // Every answer of an origin a test starts is checked against the OpenAPI document.
          setupFiles: ['test/setup/documented-answers.ts'],
          maxWorkers: 2,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The edge Worker's tests run inside workerd (Miniflare), with wrangler.toml's settings.
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' } })],
        test: {
          name: 'edge',
          include: ['edge/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});

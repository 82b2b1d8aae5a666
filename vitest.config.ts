import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the console bundle (dist/console) when it is missing: the api role serves it at /console.
    globalSetup: ['test/support/console-bundle.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites share one Redis, one Kafka broker and one r-nacos; each uses its own key prefix /
    // topic / data id, but the 2-core machine runs them more reliably one file at a time.
    fileParallelism: false,
    pool: 'forks',
    reporters: ['default'],
  },
});

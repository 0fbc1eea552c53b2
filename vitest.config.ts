import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['trainers/**/*.test.ts', 'harness/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'native/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One tfjs engine per worker process; training tests are CPU-bound on a 2-core machine.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 240_000,
    // The integration files share one broker, registry and database server on a 2-core machine;
    // isolation is by topic prefix, key prefix and schema, and one file at a time keeps timings honest.
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['tests/**/*.unit.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/**/*.int.test.ts', 'tests/**/*.e2e.test.ts'],
          globalSetup: ['tests/setup/global-setup.ts'],
        },
      },
    ],
  },
});

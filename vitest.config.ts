import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 240_000,
    // kafkajs 2.2.4 schedules its request-queue check with a negative delay (tulios/kafkajs#1751);
    // Node has always run it after 1 ms, and since Node 24 also prints a warning for every client.
    execArgv: ['--disable-warning=TimeoutNegativeWarning'],
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
      {
        extends: true,
        test: {
          // Fault scenarios (docs/reliability.md): CI-sized by default, FAULTS_SIZE=full for the
          // figures in the docs. Each starts whatever it breaks (brokers, a Postgres cluster, Redis)
          // itself, so the shared services stay up for the files after it.
          name: 'faults',
          include: ['tests/faults/**/*.fault.test.ts'],
          globalSetup: ['tests/setup/global-setup.ts'],
          testTimeout: 600_000,
        },
      },
    ],
  },
});

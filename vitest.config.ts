import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs no database; `integration` (tests/integration and tests/e2e) runs
// against one real PostgreSQL started for the whole run by tests/setup/global-setup.ts (embedded
// by default, or the server named by STRATA_TEST_DATABASE_URL), each test file in its own database.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/setup/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

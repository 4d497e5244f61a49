import { configDefaults, defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./', import.meta.url)),
      // route handlers and server data functions are tested directly in node
      'server-only': fileURLToPath(new URL('./test/ts/empty.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/ts/**/*.test.ts'],
    // the operator rehearsal needs a real PostgreSQL server: it runs in `npm test`'s postgres step (TEST_DB=postgres)
    exclude: process.env.TEST_DB === 'postgres' ? configDefaults.exclude : [...configDefaults.exclude, 'test/ts/rehearsal.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    globalSetup: ['test/ts/globalSetup.ts'],
  },
});

import type { TestProject } from 'vitest/node';
import { deployContracts, startAnvil, stopProcess } from '../../script/lib/stack.mjs';
import { startPostgres } from '../../script/lib/postgres.mjs';

/**
 * One anvil + deployment for every TypeScript test file; with TEST_DB=postgres also one real PostgreSQL server (the
 * database-backed files then run on it instead of embedded PGlite). Both stopped when vitest exits.
 */
export default async function setup(project: TestProject) {
  const port = Number(process.env.VITEST_ANVIL_PORT ?? 8555);
  const anvil = await startAnvil({ port });
  const postgres = process.env.TEST_DB === 'postgres' ? await startPostgres() : undefined;
  try {
    deployContracts({ rpcUrl: anvil.url });
  } catch (e) {
    await Promise.all([stopProcess(anvil.child), postgres?.stop()]);
    throw e;
  }
  project.provide('rpcUrl', anvil.url);
  project.provide('postgresUrl', postgres?.url ?? '');
  process.env.RPC_URL = anvil.url;
  return async () => {
    await stopProcess(anvil.child);
    await postgres?.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    rpcUrl: string;
    /** A real PostgreSQL server's `postgres` database under TEST_DB=postgres, else ''. */
    postgresUrl: string;
  }
}

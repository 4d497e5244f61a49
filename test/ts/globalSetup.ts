import type { TestProject } from 'vitest/node';
import { deployContracts, startAnvil, stopProcess } from '../../script/lib/stack.mjs';

/** One anvil + deployment for every TypeScript test file; stopped when vitest exits. */
export default async function setup(project: TestProject) {
  const port = Number(process.env.VITEST_ANVIL_PORT ?? 8555);
  const anvil = await startAnvil({ port });
  deployContracts({ rpcUrl: anvil.url });
  project.provide('rpcUrl', anvil.url);
  process.env.RPC_URL = anvil.url;
  return async () => {
    await stopProcess(anvil.child);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    rpcUrl: string;
  }
}

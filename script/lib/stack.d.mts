import type { ChildProcess } from 'node:child_process';
export const root: string;
export function bin(name: string): string;
export function startAnvil(opts?: { port?: number; blockTime?: number; quiet?: boolean; extraArgs?: string[] }): Promise<{ child: ChildProcess; url: string }>;
export function stopProcess(child: ChildProcess, signal?: string): Promise<void>;
export function deployContracts(opts: { rpcUrl: string; privateKey?: string; env?: Record<string, string> }): Record<string, unknown>;
export function startProcess(name: string, command: string, args: string[], opts?: { env?: Record<string, string>; quiet?: boolean; cwd?: string }): ChildProcess;
export function rpc(url: string, method: string, params?: unknown[]): Promise<unknown>;
export function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs?: number): Promise<void>;
export function log(component: string, msg: string, extra?: Record<string, unknown>): void;
export const ANVIL_KEY_0: string;
/** The web app's environment for a chain: NEXT_PUBLIC_RPC_URL is RPC_URL only on the local chain. */
export function nextEnv(rpcUrl: string, chainId?: number): Record<string, string>;
export interface SupervisedProcess {
  name: string;
  /** the current run */
  child: ChildProcess;
  restarts: number;
  /** every backoff waited before a restart, in order (ms) */
  delays: number[];
  stopped: boolean;
  stop(signal?: string): Promise<void>;
}
export function superviseProcess(
  name: string,
  command: string,
  args: string[],
  opts?: { env?: Record<string, string>; quiet?: boolean; cwd?: string },
  backoff?: { minDelayMs?: number; maxDelayMs?: number; stableMs?: number; onRestart?: (e: { name: string; code: number | null; signal: string | null; delayMs: number; restarts: number }) => void },
): SupervisedProcess;

/** Types for postgres.mjs (a throwaway PostgreSQL server for tests and the bench). */
export function postgresBinDir(): string | undefined;
export interface TestPostgres {
  /** The server's `postgres` database. */
  url: string;
  port: number;
  /** with `tls`: the server's self-signed certificate (the CA a verifying client needs) */
  caFile?: string;
  /** Drops and creates database `name`; resolves to its URL. */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown, then removes the cluster's directory. */
  stop(): Promise<void>;
}
export function createDatabase(serverUrl: string, name: string): Promise<string>;
export function startPostgres(opts?: { port?: number; tls?: boolean }): Promise<TestPostgres>;

// A throwaway PostgreSQL server for tests and the bench: Debian's `postgresql` binaries, a fresh cluster in a temp
// directory, a free port on 127.0.0.1, trust auth, no fsync. Postgres refuses to run as root, so under root (CI) the
// cluster belongs to the `postgres` system user the Debian package creates.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import pg from 'pg';
import { startProcess, stopProcess, waitFor } from './stack.mjs';

/** The newest installed server's bin directory (/usr/lib/postgresql/<major>/bin), or undefined. */
export function postgresBinDir() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return majors.length ? join(base, majors[0], 'bin') : undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Drops (disconnecting its sessions) and creates database `name` on the server at `serverUrl`; resolves to its URL. */
export async function createDatabase(serverUrl, name) {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name}: lower case letters, digits and _ only`);
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

const asRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
/** Runs a Postgres binary as the cluster's owner: ourselves, or `postgres` when we are root. */
const owned = (exe, args) => (asRoot() ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args]);

/**
 * Starts a server; resolves to `{ url, adminUrl, createDatabase(name), stop() }`. `url` is the `postgres` database;
 * `createDatabase` gives each test file a clean database of its own on the same server.
 */
export async function startPostgres({ port, tls = false } = {}) {
  const binDir = postgresBinDir();
  if (!binDir) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql (Debian), or set TEST_DB=pglite');
  const dir = mkdtempSync(join(tmpdir(), 'cp-pg-'));
  chmodSync(dir, 0o777); // the server user (postgres under root) must own its data directory below this one
  const data = join(dir, 'data');
  if (asRoot()) spawnSync('chown', ['postgres', dir]);
  const [initCmd, initArgs] = owned(join(binDir, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  const p = port ?? (await freePort());
  const extra = [];
  let caFile;
  if (tls) {
    // A self-signed server certificate for localhost and 127.0.0.1 (what a private CA looks like to a client):
    // its certificate doubles as the CA a verifying client is given.
    caFile = join(dir, 'server.crt');
    const keyFile = join(dir, 'server.key');
    const gen = spawnSync('openssl', ['req', '-new', '-x509', '-days', '1', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', caFile], { encoding: 'utf8' });
    if (gen.status !== 0) throw new Error(`openssl failed: ${gen.stderr}`);
    chmodSync(keyFile, 0o600);
    chmodSync(caFile, 0o644);
    if (asRoot()) spawnSync('chown', ['postgres', keyFile, caFile]);
    extra.push('-c', 'ssl=on', '-c', `ssl_cert_file=${caFile}`, '-c', `ssl_key_file=${keyFile}`);
  }
  const [cmd, args] = owned(join(binDir, 'postgres'), ['-D', data, '-p', String(p), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200', ...extra]);
  const child = startProcess('postgres', cmd, args, { quiet: true });
  const url = `postgres://postgres@127.0.0.1:${p}/postgres?sslmode=disable`;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`postgres exited: ${child.stderrTail?.()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  }, `postgres on port ${p}`, 30_000);
  return {
    url,
    port: p,
    /** with `tls`: the server's self-signed certificate, the CA a verifying client needs */
    caFile,
    createDatabase: (name) => createDatabase(url, name),
    async stop() {
      await stopProcess(child, 'SIGINT'); // fast shutdown
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

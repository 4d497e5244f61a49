/**
 * Postgres connection strings with libpq's meaning of `sslmode`. node-postgres reads `sslmode=require` as verify-full,
 * so a managed database behind a private CA fails with "self-signed certificate" where psql connects. With libpq's
 * meaning (pg's `uselibpqcompat=true`): `require` encrypts without verifying the server (or verifies the CA if
 * `sslrootcert` is given), `verify-ca` checks the chain against `sslrootcert`, `verify-full` also checks the host name.
 * For production use `sslmode=verify-full&sslrootcert=/path/to/ca.pem`.
 */
export function libpqUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url; // not a URL (a socket path, a key=value string): pg parses it as given
  }
  if (!u.searchParams.has('sslmode') || u.searchParams.has('uselibpqcompat')) return url;
  u.searchParams.set('uselibpqcompat', 'true');
  return u.toString();
}

/** A connection URL fit for logs and health output: its password replaced by "***" (user, host and database kept). */
export function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  // libpq's keyword form (host=... password=...), which the database layer also accepts
  if (!url.includes('://')) return url.replace(/(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, '$1***');
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@'); // not a WHATWG URL: blank what sits between ':' and '@'
  }
}

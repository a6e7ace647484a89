/**
 * Which errors mean "the database is not reachable right now" (down, restarting, failing
 * over, a terminated connection) rather than "this statement is wrong". The first kind is
 * answered 503 with Retry-After, so the caller (the agenda hub, a browser) tries again.
 */

/** Node's socket errors of a connection that cannot be made or was cut. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATEs of the server going away or refusing connections: class 08 (connection
 * exception), 57P01–57P03 (administrator or crash shutdown, cannot connect now), 53300 (too
 * many connections).
 */
function unavailableSqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

/** node-postgres's own messages for a connection that ended or could not be had in time. */
const CLIENT_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|Client was closed and is not queryable|Connection is closed/i;

interface ErrorLike { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown }

/** True when `err` (or what it wraps) says the database cannot be reached. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (depth > 6 || typeof err !== 'object' || err === null) return false;
  const e = err as ErrorLike;
  if (typeof e.code === 'string' && (SOCKET_CODES.has(e.code) || (/^[0-9A-Z]{5}$/.test(e.code) && unavailableSqlState(e.code)))) return true;
  if (typeof e.message === 'string' && CLIENT_MESSAGES.test(e.message)) return true;
  // Connecting to "localhost" tries every address and fails with all of them at once.
  if (Array.isArray(e.errors) && e.errors.some((x) => isDatabaseUnavailable(x, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

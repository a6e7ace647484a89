/**
 * Log settings: structured pino lines without patient data, tokens or secrets. Request
 * lines keep the method and a redacted URL; bodies are never logged.
 */
import type { FastifyServerOptions } from 'fastify';

const SENSITIVE_QUERY = /([?&](?:token|jwt|key|code|signature|sig|email|phone|mobile)=)[^&#]*/gi;
const LINK_PATH = /\/(j|pay\/sandbox|pay|files|dl)\/[^/?#]+/g;
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g;

/** A URL or path with link tokens, JWTs and sensitive query values masked. */
export function redactUrl(url: string): string {
  return url.replace(LINK_PATH, '/$1/[redacted]').replace(SENSITIVE_QUERY, '$1[redacted]').replace(JWT, '[jwt]');
}

const EMAIL = /[^\s@"'<>()]+@[^\s@"'<>()]+\.[a-z]{2,}/gi;
const PHONE = /\+?\d[\d .-]{7,}\d/g;

/** Text of an error that may carry a value (a provider's message): emails, phone numbers and tokens masked. */
export function scrubText(text: string): string {
  return redactUrl(text).replace(EMAIL, '[email]').replace(PHONE, '[number]');
}

interface ErrorLike { name?: unknown; message?: unknown; stack?: unknown; code?: unknown; constraint?: unknown; table?: unknown; column?: unknown; cause?: unknown; statusCode?: unknown }

/** The database error inside `err` (drizzle wraps node-postgres's, whose SQLSTATE is a 5-character code), if any. */
function databaseError(err: ErrorLike): ErrorLike | undefined {
  for (let e: ErrorLike | undefined = err, depth = 0; e && depth < 5; e = e.cause as ErrorLike | undefined, depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && ('severity' in e || 'routine' in e || 'constraint' in e)) return e;
    if (typeof e.message === 'string' && e.message.startsWith('Failed query:')) return (e.cause as ErrorLike | undefined) ?? { name: 'DatabaseError' };
  }
  return undefined;
}

/**
 * How an error is logged. A database error says its code and constraint only: its message
 * carries the statement's bound values (names, emails, chat text). Any other error keeps its
 * type, code and message, with emails, phone numbers and link tokens masked.
 */
export function describeError(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return { message: scrubText(String(value)) };
  const err = value as ErrorLike;
  const db = databaseError(err);
  if (db) {
    return {
      type: 'DatabaseError',
      message: `database error${typeof db.code === 'string' ? ` ${db.code}` : ''}`,
      ...(typeof db.code === 'string' ? { code: db.code } : {}),
      ...(typeof db.constraint === 'string' ? { constraint: db.constraint } : {}),
      ...(typeof db.table === 'string' ? { table: db.table } : {}),
      ...(typeof db.column === 'string' ? { column: db.column } : {}),
    };
  }
  return {
    type: typeof err.name === 'string' ? err.name : 'Error',
    ...(typeof err.code === 'string' || typeof err.code === 'number' ? { code: err.code } : {}),
    ...(typeof err.statusCode === 'number' ? { statusCode: err.statusCode } : {}),
    ...(typeof err.message === 'string' ? { message: scrubText(err.message) } : {}),
    ...(typeof err.stack === 'string' ? { stack: scrubText(err.stack.split('\n').slice(1, 8).join('\n')) } : {}),
    ...(err.cause !== undefined ? { cause: describeError(err.cause) } : {}),
  };
}

/** Paths pino removes from every line, wherever a careless call puts them. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["webhook-signature"]',
  'req.headers["stripe-signature"]',
  'req.headers["x-twilio-signature"]',
  'res.headers["set-cookie"]',
  '*.patient', '*.patientEmail', '*.patientMobile', '*.email', '*.mobile', '*.phone', '*.to',
  '*.firstName', '*.lastName', '*.body', '*.text', '*.html', '*.message.body',
  '*.token', '*.jwt', '*.apiKey', '*.secret', '*.password',
];

/** Fastify logger options for a level. */
export function loggerOptions(level: string): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req(req: { method: string; url: string; id?: string }) {
        return { method: req.method, url: redactUrl(req.url) };
      },
      // Fastify types this serializer with pino's standard shape; ours has type and message too.
      err: (e: unknown) => describeError(e) as { type: string; message: string; stack: string },
    },
  };
}

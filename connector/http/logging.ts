/**
 * Log settings: structured pino lines without patient data, tokens or secrets. Request
 * lines keep the method and a redacted URL; bodies are never logged.
 */
import type { FastifyServerOptions } from 'fastify';

const SENSITIVE_QUERY = /([?&](?:token|jwt|key|code|signature|sig|email|phone|mobile)=)[^&#]*/gi;
const LINK_PATH = /\/(j|pay|files|dl)\/[^/?#]+/g;
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g;

/** A URL or path with link tokens, JWTs and sensitive query values masked. */
export function redactUrl(url: string): string {
  return url.replace(LINK_PATH, '/$1/[redacted]').replace(SENSITIVE_QUERY, '$1[redacted]').replace(JWT, '[jwt]');
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
    },
  };
}

/**
 * What every webhook intake shares: inside the webhooks plugin only, every body arrives as
 * the raw bytes the sender signed (any content type), capped at 1 MiB; after its signature
 * check, an intake parses the JSON and asserts its shape, so the handler goes on with a typed
 * value and no cast.
 */
import type { FastifyInstance } from 'fastify';
import type { Static, TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { AppError } from '../errors.ts';

/** Compiled once per schema: webhook intake is a hot path. */
const compiled = new WeakMap<TSchema, Validator>();

export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/** Makes this plugin scope keep request bodies as Buffers. */
export function keepRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));
}

/** The raw body of a webhook request (empty when there was none). */
export function rawBody(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

/** Parses JSON, or refuses with INVALID_JSON. */
export function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (cause) {
    throw new AppError('INVALID_JSON', 'The body is not valid JSON.', undefined, { cause });
  }
}

/**
 * Asserts that a value has a schema's shape; refuses with VALIDATION_FAILED listing each
 * problem by path (never the value, which may be patient data).
 */
export function assertShape<T extends TSchema>(schema: T, value: unknown, prefix = ''): asserts value is Static<T> {
  let validator = compiled.get(schema);
  if (!validator) {
    validator = Compile(schema);
    compiled.set(schema, validator);
  }
  if (validator.Check(value)) return;
  const problems = validator.Errors(value).slice(0, 20).map((e) => ({ path: `${prefix}${e.instancePath || '/'}`, problem: e.message }));
  throw new AppError('VALIDATION_FAILED', 'The body does not match the expected shape.', problems);
}

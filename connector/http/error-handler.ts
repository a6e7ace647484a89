import type { FastifyError, FastifyInstance } from 'fastify';
import { isErrorCode, type ErrorBody, type ErrorCode } from '#protocol/errors';
import { isDatabaseUnavailable } from '../db/faults.ts';
import { AppError } from '../errors.ts';

/** Seconds a caller is asked to wait when the database is not answering. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Fastify's own errors that are the client's fault, with our code for each. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
};

/** Installs the one place where errors become responses: the status comes from the code's registry entry. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    let status: number;
    let body: ErrorBody;
    if (err instanceof AppError) {
      status = err.statusCode;
      body = { error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) } };
    } else if (err.validation) {
      status = 400;
      body = {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'The request does not match its schema.',
          details: err.validation.map((v) => ({ path: `${err.validationContext ?? ''}${v.instancePath}`, problem: v.message })),
        },
      };
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode;
      const code = FASTIFY_CODES[err.code] ?? (isErrorCode(err.code) ? err.code : 'BAD_REQUEST');
      body = { error: { code, message: err.message } };
    } else if (isDatabaseUnavailable(err)) {
      // Nothing was recorded: the caller (the hub, a browser) tries again later.
      status = 503;
      body = { error: { code: 'DATABASE_UNAVAILABLE', message: 'The service cannot reach its database; nothing was recorded. Try again shortly.' } };
      void reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    } else {
      status = 500;
      body = { error: { code: 'INTERNAL', message: 'Internal error.' } };
    }
    if (body.error.code === 'DATABASE_UNAVAILABLE') request.log.warn({ code: body.error.code, status }, 'request refused: database unavailable');
    else if (status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: body.error.code, status }, 'request refused');
    void reply.status(status).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'No such route.' } } satisfies ErrorBody);
  });
}
